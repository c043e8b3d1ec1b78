/** Key setup: a single holder's public key, or every party's threshold key share; rotation keys for training. */
import { z } from 'zod';
import { partyIdSchema } from '../ids.ts';
import { b64, envelope, job, signature } from './fields.ts';

export const keysNodeMessages = [
  /** single holder: its public key (blob) */
  z.object({ ...envelope, type: z.literal('keys.public'), ...job }).strict(),
  /** threshold: this party's public-key share (blob), its X25519 key for sealed shares, signed with its identity key */
  z.object({ ...envelope, type: z.literal('keys.share'), ...job, x25519: b64(64), signature }).strict(),
  /** training: the key holder's rotation keys, needed to sum slots under encryption (blob) */
  z.object({ ...envelope, type: z.literal('keys.galois'), ...job }).strict(),
] as const;

export const keysCoordinatorMessages = [
  z.object({ ...envelope, type: z.literal('keys.public'), ...job, from: partyIdSchema }).strict(),
  z.object({ ...envelope, type: z.literal('keys.share'), ...job, from: partyIdSchema, x25519: b64(64), signature }).strict(),
  z.object({ ...envelope, type: z.literal('keys.galois'), ...job, from: partyIdSchema }).strict(),
] as const;
