/** Joint training, one message per step of a mini-batch (vertical logistic regression, Taylor residual). */
import { z } from 'zod';
import { partyIdSchema } from '../ids.ts';
import { envelope, job, MAX_BLOBS } from './fields.ts';

const batch = { ...job, epoch: z.number().int().min(1), batch: z.number().int().min(0) };
const epochEnd = { ...job, epoch: z.number().int().min(1), loss: z.number(), stop: z.boolean() };
const features = z.number().int().min(1).max(MAX_BLOBS);

export const trainingNodeMessages = [
  /** holder: its partial logits for one batch, times 1/4, encrypted (blob) */
  z.object({ ...envelope, type: z.literal('train.partial'), ...batch }).strict(),
  /** label holder: the encrypted Taylor residual of one batch (blob) */
  z.object({ ...envelope, type: z.literal('train.residual'), ...batch }).strict(),
  /** holder: its masked, encrypted gradient for one batch, one ciphertext per feature */
  z.object({ ...envelope, type: z.literal('train.gradient'), ...batch, features }).strict(),
  /** key holder: a holder's masked gradient, decrypted (still masked) */
  z.object({ ...envelope, type: z.literal('train.unmask'), ...batch, to: partyIdSchema, values: z.array(z.number()).max(MAX_BLOBS) }).strict(),
  /** label holder: the epoch's loss and whether to stop */
  z.object({ ...envelope, type: z.literal('train.epoch'), ...epochEnd }).strict(),
] as const;

export const trainingCoordinatorMessages = [
  z.object({ ...envelope, type: z.literal('train.sum'), ...batch }).strict(),
  z.object({ ...envelope, type: z.literal('train.residual'), ...batch, from: partyIdSchema }).strict(),
  z.object({ ...envelope, type: z.literal('train.gradient'), ...batch, from: partyIdSchema, features }).strict(),
  z.object({ ...envelope, type: z.literal('train.unmask'), ...batch, from: partyIdSchema, values: z.array(z.number()).max(MAX_BLOBS) }).strict(),
  z.object({ ...envelope, type: z.literal('train.epoch'), ...epochEnd }).strict(),
] as const;
