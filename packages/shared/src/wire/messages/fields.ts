/** Field schemas several message kinds share. */
import { z } from 'zod';
import { isErrorCode } from '../../util/errors.ts';
import { jobIdSchema } from '../ids.ts';

export const PROTOCOL_VERSION = 1;
/** Most blobs one message may carry. */
export const MAX_BLOBS = 4096;

export const envelope = { v: z.literal(PROTOCOL_VERSION) };
export const b64 = (max: number) =>
  z
    .string()
    .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'base64')
    .max(max);
export const signature = b64(128);
export const count = z.number().int().min(0);
export const chunks = z.number().int().min(1).max(MAX_BLOBS);
export const wireErrorSchema = z.object({
  code: z.string().max(64).refine(isErrorCode, 'unknown error code'),
  message: z.string().max(4000),
  details: z.record(z.string(), z.unknown()).optional(),
});
export const job = { jobId: jobIdSchema };
