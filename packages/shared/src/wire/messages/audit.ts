/**
 * Governance messages: the recipient's authorisations for a holder (sealed to
 * it, relayed), and the exchange of audit-trail heads at the end of a job:
 * the coordinator asks every party for its signed head, sends every head to
 * every party, and each countersigns the whole set.
 */
import { z } from 'zod';
import { partyIdSchema } from '../ids.ts';
import { envelope, job, signature } from './fields.ts';

const head = z
  .object({
    participant: z.string().max(64),
    seq: z.number().int().min(-1),
    hash: z.string().regex(/^[0-9a-f]{64}$/),
    signature,
  })
  .strict();
const purpose = z.string().min(1).max(100);

export const auditNodeMessages = [
  /**
   * recipient -> a holder: one 72-byte grant per record the holder may contribute (psi: per matched slot,
   * padded to the holder's set size; query: per slot), sealed to the holder (blob), signed. No count travels
   * in the clear: how many grants are real would tell the coordinator the holder's overlap.
   */
  z.object({ ...envelope, type: z.literal('auth.grants'), ...job, to: partyIdSchema, purpose, signature }).strict(),
  /** this party's audit-trail head, signed */
  z.object({ ...envelope, type: z.literal('audit.head'), ...job, seq: head.shape.seq, hash: head.shape.hash, signature }).strict(),
  /** this party's countersignature over every participant's head */
  z.object({ ...envelope, type: z.literal('audit.countersign'), ...job, signature }).strict(),
] as const;

export const auditCoordinatorMessages = [
  z.object({ ...envelope, type: z.literal('auth.grants'), ...job, from: partyIdSchema, purpose, signature }).strict(),
  /** the job's work is done: send your signed head */
  z.object({ ...envelope, type: z.literal('audit.seal'), ...job }).strict(),
  /** every participant's signed head (the coordinator's included), to countersign */
  z.object({ ...envelope, type: z.literal('audit.heads'), ...job, heads: z.array(head).min(1).max(64) }).strict(),
] as const;
