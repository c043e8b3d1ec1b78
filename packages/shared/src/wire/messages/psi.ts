/**
 * Private set intersection between the recipient and each holder, relayed by
 * the coordinator (see crypto/psi.ts). Blobs are concatenated 32-byte points,
 * or a sealed box of u32 (position, slot) pairs.
 */
import { z } from 'zod';
import { jobIdSchema, partyIdSchema } from '../ids.ts';
import { count, envelope, job, signature } from './fields.ts';

const signed = { signature: signature.optional() };

export const psiNodeMessages = [
  /** recipient -> a holder: its applicants hashed to the group and blinded, in its own order */
  z.object({ ...envelope, type: z.literal('psi.blinded'), ...job, to: partyIdSchema, points: count, ...signed }).strict(),
  /** holder -> recipient: the recipient's points blinded again, and the holder's own blinded customers */
  z.object({ ...envelope, type: z.literal('psi.reply'), ...job, to: partyIdSchema, points: count, ownPoints: count, ...signed }).strict(),
  /**
   * recipient -> holder: (position in the holder's shuffled list, slot) pairs for the intersection,
   * sealed to the holder and padded to the holder's own set size, so the relay learns neither which
   * slots matched nor how many
   */
  z.object({ ...envelope, type: z.literal('psi.assign'), ...job, to: partyIdSchema, ...signed }).strict(),
  /** recipient -> coordinator: alignment finished; aligned vectors have `slots` slots */
  z.object({ ...envelope, type: z.literal('psi.done'), ...job, slots: count }).strict(),
  /** any party -> coordinator: it holds its own record of `reused`'s alignment and will use it: `slots` slots */
  z.object({ ...envelope, type: z.literal('align.reused'), ...job, reused: jobIdSchema, slots: count }).strict(),
] as const;

export const psiCoordinatorMessages = [
  z.object({ ...envelope, type: z.literal('psi.blinded'), ...job, from: partyIdSchema, points: count, ...signed }).strict(),
  z.object({ ...envelope, type: z.literal('psi.reply'), ...job, from: partyIdSchema, points: count, ownPoints: count, ...signed }).strict(),
  z.object({ ...envelope, type: z.literal('psi.assign'), ...job, from: partyIdSchema, ...signed }).strict(),
  /** alignment finished: key setup may start; aligned vectors have `slots` slots */
  z.object({ ...envelope, type: z.literal('align.done'), ...job, slots: count }).strict(),
] as const;
