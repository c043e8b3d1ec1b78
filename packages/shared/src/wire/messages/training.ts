/**
 * Joint training, one message per step of a mini-batch (vertical logistic
 * regression, Taylor residual). Single holder: the bank holds the key, forms
 * the residual and decrypts masked gradients. Threshold: every party sends its
 * part of the residual under the common a of the batch; every party receives
 * everyone's signed part and adds them itself; each party's packed gradient
 * is decrypted to it alone (a request carrying c1, shares sealed to it).
 */
import { z } from 'zod';
import { partyIdSchema } from '../ids.ts';
import { envelope, job, MAX_BLOBS, signature } from './fields.ts';

const batch = { ...job, epoch: z.number().int().min(1), batch: z.number().int().min(0) };
/** the loss travels only in the single-holder design; under threshold the bank alone learns it */
/** threshold: the bank signs its decision to stop, so the coordinator cannot end or prolong holders' training */
const epochEnd = { ...job, epoch: z.number().int().min(1), loss: z.number().optional(), stop: z.boolean(), signature: signature.optional() };
const features = z.number().int().min(1).max(MAX_BLOBS);
/** what a threshold decryption request is for: an owner's gradient of one batch, or the epoch's loss (the bank) */
const what = z.enum(['gradient', 'loss']);
/** the owner's packing width: the period of differential-privacy noise in its shares */
const width = z.number().int().min(1).max(4096);
const batches = z.number().int().min(1).max(MAX_BLOBS);
/** 0 when the party's loss terms were all zero (its weights still zero) */
const terms = z.number().int().min(0).max(1);

export const trainingNodeMessages = [
  /** a party's part of the residual for one batch, encrypted (blob): a holder's under the bank's key, or (threshold, signed) every party's under the batch's common a */
  z.object({ ...envelope, type: z.literal('train.partial'), ...batch, signature: signature.optional() }).strict(),
  /** label holder: the encrypted Taylor residual of one batch (blob) */
  z.object({ ...envelope, type: z.literal('train.residual'), ...batch }).strict(),
  /** holder: its masked, encrypted gradient for one batch, one ciphertext per feature */
  z.object({ ...envelope, type: z.literal('train.gradient'), ...batch, features }).strict(),
  /** key holder: a holder's masked gradient, decrypted (still masked) */
  z.object({ ...envelope, type: z.literal('train.unmask'), ...batch, to: partyIdSchema, values: z.array(z.number()).max(MAX_BLOBS) }).strict(),
  /** label holder: the epoch's loss (single holder) and whether to stop */
  z.object({ ...envelope, type: z.literal('train.epoch'), ...epochEnd }).strict(),
  /** threshold, label holder: 1/2 - y of every batch under the collective public key (one blob per batch), signed */
  z.object({ ...envelope, type: z.literal('train.labels'), ...job, batches, signature }).strict(),
  /** threshold: c1 of a ciphertext only its sender may decrypt (blob), signed */
  z.object({ ...envelope, type: z.literal('train.request'), ...batch, what, width, signature }).strict(),
  /** threshold: a smudged decryption share, sealed to the request's owner (blob), signed */
  z.object({ ...envelope, type: z.literal('train.share'), ...batch, what, to: partyIdSchema, signature }).strict(),
  /** threshold, holder: its epoch's loss terms, encrypted, for the label holder (0 or 1 blob), signed */
  z.object({ ...envelope, type: z.literal('train.loss'), ...job, epoch: z.number().int().min(1), terms, signature }).strict(),
] as const;

export const trainingCoordinatorMessages = [
  z.object({ ...envelope, type: z.literal('train.sum'), ...batch }).strict(),
  z.object({ ...envelope, type: z.literal('train.residual'), ...batch, from: partyIdSchema }).strict(),
  z.object({ ...envelope, type: z.literal('train.gradient'), ...batch, from: partyIdSchema, features }).strict(),
  z.object({ ...envelope, type: z.literal('train.unmask'), ...batch, from: partyIdSchema, values: z.array(z.number()).max(MAX_BLOBS) }).strict(),
  z.object({ ...envelope, type: z.literal('train.epoch'), ...epochEnd }).strict(),
  /** threshold: another party's signed part of the residual, relayed as it arrives */
  z.object({ ...envelope, type: z.literal('train.input'), ...batch, from: partyIdSchema, signature }).strict(),
  z.object({ ...envelope, type: z.literal('train.labels'), ...job, from: partyIdSchema, batches, signature }).strict(),
  z.object({ ...envelope, type: z.literal('train.request'), ...batch, from: partyIdSchema, what, width, signature }).strict(),
  z.object({ ...envelope, type: z.literal('train.share'), ...batch, from: partyIdSchema, what, signature }).strict(),
  z.object({ ...envelope, type: z.literal('train.loss'), ...job, from: partyIdSchema, epoch: z.number().int().min(1), terms, signature }).strict(),
] as const;
