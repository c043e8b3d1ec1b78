import { z } from 'zod';
import { type ErrorCode, isErrorCode } from './errors.ts';

export const errorCodeSchema = z.custom<ErrorCode>(isErrorCode, 'unknown error code');
