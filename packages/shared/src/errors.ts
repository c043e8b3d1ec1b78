/**
 * Typed errors with stable, domain-prefixed codes. Every code is listed here
 * once; docs/ERRORS.md mirrors this table (a unit test keeps them in sync).
 */
export const ERROR_CODES = {
  PROTO_ERR_MALFORMED: 'A frame could not be decoded (not JSON, bad framing, bad blob lengths).',
  PROTO_ERR_INVALID: 'A frame decoded but does not match the protocol schema.',
  PROTO_ERR_VERSION: 'The frame carries a protocol version this peer does not speak.',
  PROTO_ERR_UNEXPECTED: 'A valid message arrived at a point where the protocol does not allow it.',
  PROTO_ERR_TOO_LARGE: 'A frame exceeded the maximum accepted size.',
  AUTH_ERR_REJECTED: 'Unknown party, wrong role or wrong credential.',
  AUTH_ERR_DUPLICATE: 'A party with this id is already connected.',
  JOB_ERR_PARTY_LOST: 'A party disconnected before the job finished.',
  JOB_ERR_TIMEOUT: 'A job phase did not finish within its time limit.',
  JOB_ERR_PARTY_FAILED: 'A party reported an error and left the job.',
  JOB_ERR_ABORTED: 'The job was aborted (shutdown or AbortSignal).',
  JOB_ERR_MISMATCH: 'Parties sent inconsistent job data (chunk counts, slot counts, ids).',
  CRYPTO_ERR_INSECURE_PARAMS: 'CKKS parameters give less than 128-bit security.',
  CRYPTO_ERR_INVALID_PARAMS: 'CKKS parameters are not valid for SEAL.',
  CRYPTO_ERR_BAD_CIPHERTEXT: 'A ciphertext or key blob could not be loaded.',
  CRYPTO_ERR_SEAL: 'SEAL raised an error during a homomorphic operation.',
  CRYPTO_ERR_SHARE_REPLAY: 'A second decryption share for the same ciphertext was requested and refused.',
  CRYPTO_ERR_SHARE_REFUSED: 'A node refused to decrypt a ciphertext it cannot verify as the job output.',
  CRYPTO_ERR_SIGNATURE: 'A message signed by a party does not verify against its identity key.',
  CRYPTO_ERR_PSI: 'Private set intersection failed: malformed or invalid blinded points.',
  DATA_ERR_CSV: 'A CSV file has a malformed row or cell (file, line and column given).',
  DATA_ERR_FILE: 'A data file could not be read.',
  DATA_ERR_APPLICANTS: 'The list of businesses to score is invalid.',
  SCENARIO_ERR_INVALID: 'A scenario file has a wrong or missing field (path given).',
  SCENARIO_ERR_FILE: 'A scenario file could not be read or parsed as YAML.',
  RUN_ERR_PROCESS: 'A party or coordinator process exited unexpectedly.',
  RUN_ERR_TIMEOUT: 'The whole run did not finish within its time limit.',
  CONFIG_ERR_INVALID: 'A process was started with invalid options or config file.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

export interface WireError {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown> | undefined;
}

export class FedError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FedError';
    this.code = code;
    this.details = options.details;
  }

  toWire(): WireError {
    return this.details === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, details: this.details };
  }

  static fromWire(wire: WireError): FedError {
    return new FedError(wire.code, wire.message, wire.details ? { details: wire.details } : {});
  }
}

export function isFedError(err: unknown): err is FedError {
  return err instanceof FedError;
}

/** Wraps anything thrown into a FedError, keeping the original as `cause`. */
export function asFedError(err: unknown, fallback: ErrorCode, message?: string): FedError {
  if (err instanceof FedError) return err;
  const text = err instanceof Error ? err.message : String(err);
  return new FedError(fallback, message ? `${message}: ${text}` : text, { cause: err });
}
