/**
 * Design "paillier": per-value Paillier under the recipient's key, as FATE's hetero-LR uses it.
 * The recipient publishes its modulus; each party encrypts its partial logit for each sampled slot
 * (one ciphertext per value, 2·keyBits/8 bytes each, back to back in one blob); the coordinator
 * multiplies them slot-wise (adding the values) and the recipient decrypts the sum.
 */
import { z } from 'zod';
import { partyIdSchema } from '../ids.ts';
import { envelope, job, signature } from './fields.ts';

const slots = z.number().int().min(1).max(1_000_000);
const keyBits = z.union([z.literal(2048), z.literal(3072), z.literal(4096)]);

export const paillierNodeMessages = [
  /** the recipient's Paillier public key: n, big-endian, keyBits/8 bytes (blob), signed */
  z.object({ ...envelope, type: z.literal('paillier.public'), ...job, keyBits, signature: signature.optional() }).strict(),
  /** this party's partial logits for the sampled slots, one ciphertext each (blob), signed */
  z.object({ ...envelope, type: z.literal('paillier.partial'), ...job, slots, keyBits, signature: signature.optional() }).strict(),
] as const;

export const paillierCoordinatorMessages = [
  z.object({ ...envelope, type: z.literal('paillier.public'), ...job, from: partyIdSchema, keyBits, signature: signature.optional() }).strict(),
  /** the recipient: the slot-wise product of every party's ciphertexts, i.e. the encrypted sums (blob) */
  z.object({ ...envelope, type: z.literal('paillier.sum'), ...job, slots, keyBits }).strict(),
] as const;
