/** Joint scoring: encrypted partial logits, their sum, and (threshold) verified decryption. */
import { z } from 'zod';

import { partyIdSchema } from '../ids.ts';
import { b64, chunks, envelope, job, MAX_BLOBS, signature, wireErrorSchema } from './fields.ts';

const slots = z.number().int().min(1);
const idCount = z.number().int().min(1).max(1_000_000);

const commitment = z.string().regex(/^[0-9a-f]{64}$/);
const nonce = b64(64).optional();

export const scoringNodeMessages = [
  /** query alignment: the recipient's applicant list, sent in the clear: `count` record ids in one blob (wire/id-list.ts) */
  z.object({ ...envelope, type: z.literal('query.ids'), ...job, count: idCount }).strict(),
  /** threshold, before any input is revealed: a commitment to this party's input */
  z.object({ ...envelope, type: z.literal('scores.commit'), ...job, commitment, signature: signature.optional() }).strict(),
  /** this party's partial logits for every slot, encrypted (blobs), signed; `nonce` opens its commitment */
  z.object({ ...envelope, type: z.literal('scores.partial'), ...job, slots, chunks, nonce, signature: signature.optional() }).strict(),
  /** threshold: whether this party accepts the decryption request (it checked the ciphertext is the job's sum) */
  z.object({ ...envelope, type: z.literal('decrypt.verdict'), ...job, ok: z.boolean(), error: wireErrorSchema.optional() }).strict(),
  /** threshold: decryption shares sealed for the recipient alone (blobs), signed by their sender */
  z.object({ ...envelope, type: z.literal('decrypt.share'), ...job, to: partyIdSchema, chunks, signature: signature.optional() }).strict(),
] as const;

export const scoringCoordinatorMessages = [
  /** the recipient's list, relayed without parsing (the coordinator can read it: it is in the clear); the holder checks every id */
  z.object({ ...envelope, type: z.literal('query.ids'), ...job, from: partyIdSchema, count: idCount }).strict(),
  /** single holder: the summed ciphertexts, for the recipient */
  z.object({ ...envelope, type: z.literal('scores.sum'), ...job, slots, chunks }).strict(),
  z.object({ ...envelope, type: z.literal('scores.commit'), ...job, from: partyIdSchema, commitment, signature: signature.optional() }).strict(),
  /** threshold: another party's signed input ciphertexts, so each node can recompute the sum it is asked to decrypt */
  z.object({ ...envelope, type: z.literal('scores.input'), ...job, from: partyIdSchema, slots, chunks, nonce, signature: signature.optional() }).strict(),
  /**
   * threshold: the ciphertexts the coordinator asks the parties to decrypt, named by the SHA-256 of
   * their uncompressed serialization; each party decrypts only its own recomputed sum, if the names match
   */
  z
    .object({
      ...envelope,
      type: z.literal('decrypt.request'),
      ...job,
      slots,
      digests: z
        .array(z.string().regex(/^[0-9a-f]{64}$/))
        .min(1)
        .max(MAX_BLOBS),
    })
    .strict(),
  z.object({ ...envelope, type: z.literal('decrypt.share'), ...job, from: partyIdSchema, chunks, signature: signature.optional() }).strict(),
] as const;
