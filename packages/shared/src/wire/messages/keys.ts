/** Key setup: a single holder's public key, or every party's threshold key share; rotation keys for training. */
import { z } from 'zod';
import { partyIdSchema } from '../ids.ts';
import { b64, envelope, job, signature } from './fields.ts';

const commitment = z.string().regex(/^[0-9a-f]{64}$/);
const nonce = b64(64).optional();

export const keysNodeMessages = [
  /** single holder: its public key (blob), signed with its identity key */
  z.object({ ...envelope, type: z.literal('keys.public'), ...job, signature: signature.optional() }).strict(),
  /** threshold, before any share is revealed: a commitment to this party's share and X25519 key */
  z.object({ ...envelope, type: z.literal('keys.commit'), ...job, commitment, signature: signature.optional() }).strict(),
  /**
   * threshold: this party's public-key share (blob) and its X25519 key, signed; `nonce` opens its commitment;
   * training (`galois`): its rotation-key share as a second blob, under the same commitment and signature
   */
  z
    .object({ ...envelope, type: z.literal('keys.share'), ...job, x25519: b64(64), nonce, galois: z.literal(true).optional(), signature: signature.optional() })
    .strict(),
  /** training: the key holder's rotation keys, needed to sum slots under encryption (blob), signed */
  z.object({ ...envelope, type: z.literal('keys.galois'), ...job, signature: signature.optional() }).strict(),
] as const;

export const keysCoordinatorMessages = [
  z.object({ ...envelope, type: z.literal('keys.public'), ...job, from: partyIdSchema, signature: signature.optional() }).strict(),
  z.object({ ...envelope, type: z.literal('keys.commit'), ...job, from: partyIdSchema, commitment, signature: signature.optional() }).strict(),
  z
    .object({
      ...envelope,
      type: z.literal('keys.share'),
      ...job,
      from: partyIdSchema,
      x25519: b64(64),
      nonce,
      galois: z.literal(true).optional(),
      signature: signature.optional(),
    })
    .strict(),
  z.object({ ...envelope, type: z.literal('keys.galois'), ...job, from: partyIdSchema, signature: signature.optional() }).strict(),
] as const;
