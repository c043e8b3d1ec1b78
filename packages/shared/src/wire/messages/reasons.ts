/**
 * Rejection reasons, after the recipient has its scores (phase "reasons"):
 * the recipient asks each holder about its rejected applicants only, and each
 * holder answers with its top codes and bands for them. Both blobs are sealed
 * to their receiver (crypto_box_seal) and padded to the job's slots; both
 * messages are signed by their sender. The coordinator relays them unread.
 * The refinement (reasons.compare, .operand, .masked) compares contested
 * candidates under the recipient's fresh CKKS key: one message of each kind
 * per pair of parties, whatever was contested.
 */
import { z } from 'zod';
import { partyIdSchema } from '../ids.ts';
import { envelope, job, signature } from './fields.ts';

const signed = { signature: signature.optional() };

export const reasonsNodeMessages = [
  /** recipient -> a holder: the rejected slots it asks about, sealed to the holder */
  z.object({ ...envelope, type: z.literal('reasons.request'), ...job, to: partyIdSchema, ...signed }).strict(),
  /** holder -> recipient: its top codes and bands for those slots, sealed to the recipient */
  z.object({ ...envelope, type: z.literal('reasons.reply'), ...job, to: partyIdSchema, ...signed }).strict(),
  /** refinement, recipient -> each holder: its fresh public key and the holder's plan, sealed and padded */
  z.object({ ...envelope, type: z.literal('reasons.compare'), ...job, to: partyIdSchema, ...signed }).strict(),
  /** refinement, a sender -> each later masker: one ciphertext of its values at that masker's positions */
  z.object({ ...envelope, type: z.literal('reasons.operand'), ...job, to: partyIdSchema, ...signed }).strict(),
  /** refinement, each holder -> recipient: Enc(r ⊙ (own − operands)) */
  z.object({ ...envelope, type: z.literal('reasons.masked'), ...job, to: partyIdSchema, ...signed }).strict(),
] as const;

export const reasonsCoordinatorMessages = [
  z.object({ ...envelope, type: z.literal('reasons.request'), ...job, from: partyIdSchema, ...signed }).strict(),
  z.object({ ...envelope, type: z.literal('reasons.reply'), ...job, from: partyIdSchema, ...signed }).strict(),
  z.object({ ...envelope, type: z.literal('reasons.compare'), ...job, from: partyIdSchema, ...signed }).strict(),
  z.object({ ...envelope, type: z.literal('reasons.operand'), ...job, from: partyIdSchema, ...signed }).strict(),
  z.object({ ...envelope, type: z.literal('reasons.masked'), ...job, from: partyIdSchema, ...signed }).strict(),
] as const;
