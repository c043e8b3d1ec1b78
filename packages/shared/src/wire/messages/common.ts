/** Messages every job kind uses: admission, the job's start and end, errors. */
import { z } from 'zod';
import { alignmentSchema, jobIdSchema, jobKindSchema, keysSchema, partyIdSchema, psiHashSchema, roleSchema } from '../ids.ts';
import { ckksParamsSchema, paillierParamsSchema, trainingParamsSchema } from '../params.ts';
import { count, envelope, job, wireErrorSchema } from './fields.ts';

export const commonNodeMessages = [
  z.object({ ...envelope, type: z.literal('hello'), party: partyIdSchema, role: roleSchema, token: z.string().min(16).max(256) }).strict(),
  /** the result recipient is done: `scored` values decrypted (scoring) or the model trained (training) */
  z.object({ ...envelope, type: z.literal('result.done'), ...job, scored: count }).strict(),
  z.object({ ...envelope, type: z.literal('error'), jobId: jobIdSchema.optional(), error: wireErrorSchema }).strict(),
] as const;

export const commonCoordinatorMessages = [
  z.object({ ...envelope, type: z.literal('welcome'), party: partyIdSchema }).strict(),
  z
    .object({
      ...envelope,
      type: z.literal('job.start'),
      ...job,
      keys: keysSchema,
      alignment: alignmentSchema,
      /** PSI alignment: how every party hashes ids to the curve (all must use the same) */
      psiHash: psiHashSchema.default('random-oracle'),
      /** PSI alignment: every party uses its own record of this earlier job's alignment instead of running PSI again */
      reuseAlignment: jobIdSchema.optional(),
      kind: jobKindSchema.default('scoring'),
      /** training only: its hyper-parameters */
      training: trainingParamsSchema.optional(),
      /** single-holder only: the party that generates the key pair */
      keyHolder: partyIdSchema.optional(),
      recipient: partyIdSchema,
      parties: z.array(z.object({ id: partyIdSchema, role: roleSchema }).strict()).min(1),
      ckks: ckksParamsSchema,
      /** paillier only: the key size and how many slots are encrypted */
      paillier: paillierParamsSchema.optional(),
    })
    .strict(),
  z.object({ ...envelope, type: z.literal('job.end'), ...job, ok: z.boolean(), error: wireErrorSchema.optional() }).strict(),
  z.object({ ...envelope, type: z.literal('error'), jobId: jobIdSchema.optional(), error: wireErrorSchema }).strict(),
] as const;
