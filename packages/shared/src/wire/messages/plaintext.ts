/**
 * Design "plaintext": no encryption, the cost floor. Each party sends its partial logits in the
 * clear (one blob: float64 little-endian, one per slot); the coordinator reads and adds them.
 */
import { z } from 'zod';
import { envelope, job } from './fields.ts';

const slots = z.number().int().min(1).max(10_000_000);

export const plaintextNodeMessages = [
  /** this party's partial logits for every slot, in the clear (blob: 8 bytes per slot, little-endian) */
  z.object({ ...envelope, type: z.literal('plain.partial'), ...job, slots }).strict(),
] as const;

export const plaintextCoordinatorMessages = [
  /** the recipient: the sum of every party's partial logits (blob: 8 bytes per slot) */
  z.object({ ...envelope, type: z.literal('plain.sum'), ...job, slots }).strict(),
] as const;
