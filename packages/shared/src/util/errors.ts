/**
 * Typed errors with stable, domain-prefixed codes. Every code is listed here
 * once, with what it means and what to do about it; docs/ERRORS.md mirrors
 * this table (a unit test compares both columns).
 */
import { z } from 'zod';

export const ERROR_CODES = {
  PROTO_ERR_MALFORMED: {
    meaning: 'A frame could not be decoded (not JSON, bad framing, bad blob lengths).',
    action: 'A peer speaks another framing or sends garbage: check that both sides run the same fedrisk version.',
  },
  PROTO_ERR_INVALID: {
    meaning: 'A frame decoded but does not match the protocol schema.',
    action: 'The message names the field; a peer of another version, or a bug in the sender.',
  },
  PROTO_ERR_VERSION: {
    meaning: 'The frame carries a protocol version this peer does not speak.',
    action: 'Run the same fedrisk version on every host.',
  },
  PROTO_ERR_UNEXPECTED: {
    meaning: 'A valid message arrived at a point where the protocol does not allow it.',
    action: 'A peer is out of step (or deviating on purpose); the message names the phase.',
  },
  PROTO_ERR_TOO_LARGE: {
    meaning: 'A frame exceeded the maximum accepted size.',
    action: 'Split the job (fewer applicants per job) or raise the limit on both sides.',
  },
  AUTH_ERR_REJECTED: {
    meaning: 'Unknown party, wrong role or wrong credential.',
    action: "Check the party id, role and FEDRISK_TOKEN against the coordinator's config.",
  },
  AUTH_ERR_DUPLICATE: {
    meaning: 'A party with this id is already connected.',
    action: 'Stop the other process that joined as this party.',
  },
  AUTH_ERR_SUSPENDED: {
    meaning: "The regulator suspended this participant's interface permission; the coordinator refuses its jobs.",
    action:
      "Read the regulator's flags in the run's report (regulator) and its suspension list; a suspended participant takes part in no job until it is lifted.",
  },
  JOB_ERR_PARTY_LOST: {
    meaning: 'A party disconnected before the job finished.',
    action: "Read that party's own log and summary for its reason; restart the job.",
  },
  JOB_ERR_TIMEOUT: {
    meaning: 'A job phase did not finish within its time limit.',
    action: 'The message names whom the job waited for; check that process, or raise timeouts in the scenario.',
  },
  JOB_ERR_PARTY_FAILED: {
    meaning: 'A party reported an error and left the job.',
    action: "The message carries the party's own error; fix that first.",
  },
  JOB_ERR_ABORTED: {
    meaning: 'The job was aborted (shutdown or AbortSignal).',
    action: 'Someone stopped the run (Ctrl-C, SIGTERM); run it again.',
  },
  JOB_ERR_MISMATCH: {
    meaning: 'Parties sent inconsistent job data (chunk counts, slot counts, ids).',
    action: "The parties disagree about the job's size: check that each runs the job's own config.",
  },
  JOB_ERR_INTERNAL: {
    meaning: 'A protocol step was entered twice, or another internal invariant broke.',
    action: 'A bug in fedrisk: report it with the run folder (trace.jsonl and logs).',
  },
  CRYPTO_ERR_INSECURE_PARAMS: {
    meaning: 'CKKS parameters give less than 128-bit security.',
    action: 'Raise polyModulusDegree or use fewer or smaller coefficient moduli.',
  },
  CRYPTO_ERR_INVALID_PARAMS: {
    meaning: 'CKKS parameters are not valid for SEAL.',
    action: 'Choose moduli SEAL can find primes for, and a scale below the data moduli.',
  },
  CRYPTO_ERR_BAD_CIPHERTEXT: {
    meaning: 'A ciphertext or key blob could not be loaded.',
    action: 'A peer sent a corrupt or foreign SEAL object; the message names whose and which.',
  },
  CRYPTO_ERR_SEAL: {
    meaning: 'SEAL raised an error during a homomorphic operation.',
    action: "The message carries SEAL's own text; often a level or scale mismatch from a deviating peer.",
  },
  CRYPTO_ERR_SHARE_REPLAY: {
    meaning: 'A second decryption share for the same ciphertext was requested and refused.',
    action: 'Someone asked twice for the same decryption; a deviating coordinator, or a bug.',
  },
  CRYPTO_ERR_SHARE_REFUSED: {
    meaning: 'A node refused to decrypt a ciphertext it cannot verify as the job output.',
    action: 'The coordinator asked for something other than the agreed result; do not trust it.',
  },
  CRYPTO_ERR_SIGNATURE: {
    meaning: 'A message signed by a party does not verify against its identity key.',
    action: "Check every party's roster of identity keys; otherwise someone forged or altered a message.",
  },
  CRYPTO_ERR_SEALED: {
    meaning: 'A sealed box (a decryption share or a PSI assignment) does not open for this party.',
    action: 'It was altered on the way, or sealed for someone else: the relay (coordinator) deviated.',
  },
  CRYPTO_ERR_COMMITMENT: {
    meaning: 'A party revealed a key share or input that differs from what it committed to, or revealed before everyone had committed.',
    action: 'That party changed its contribution after seeing the others: the message names it; do not trust it.',
  },
  CRYPTO_ERR_RESIDUAL_BOUND: {
    meaning:
      'In threshold training, a decrypted gradient is larger than any honest residual allows: a party sent an encrypted part of the residual out of range.',
    action: "Some party forged or corrupted its partial logits (the holder stopped before its weights moved); check each party's log and do not trust the job.",
  },
  JOB_ERR_NOT_AGREED: {
    meaning: 'The job the coordinator started differs from the job this party agreed to (design, roster, recipient, parameters).',
    action: "Compare the party's config (agreement) with the coordinator's; a coordinator that changes the job is deviating.",
  },
  JOB_ERR_ALIGNMENT_RECORD: {
    meaning:
      "A party was asked to reuse an earlier job's alignment, but its own record of it is missing, unreadable, of another job or roster, or of other records than it holds now.",
    action:
      'Run the job with PSI again (scenario job.reuseAlignment: false), or check that no party changed its data or applicants since the job that made the record.',
  },
  JOB_ERR_REASONS: {
    meaning:
      "A party's rejection reasons do not fit what was asked: a slot not requested, an unknown code, a value where only a code and a band may be, or more codes than agreed.",
    action:
      "The message names the party and the problem; a party of another fedrisk version, or one that deviates: check its version and its config's reasons settings.",
  },
  CRYPTO_ERR_AUDIT: {
    meaning: "An audit-trail head or countersignature exchanged at the end of a job does not verify against its signer's identity key.",
    action: "Check every participant's roster of identity keys; otherwise someone altered a head on the way (the message names whose).",
  },
  CRYPTO_ERR_PSI: {
    meaning: 'Private set intersection failed: malformed or invalid blinded points.',
    action: 'A peer sent points outside the group or of the wrong count; the message names which.',
  },
  CRYPTO_ERR_PAILLIER: {
    meaning: 'A Paillier key, ciphertext or value is malformed: a modulus of the wrong size, a ciphertext outside n², a value beyond ±2^40.',
    action: 'A peer sent a broken key or vector (the message says which), or a partial score is out of range: check the model weights.',
  },
  DATA_ERR_CSV: {
    meaning: 'A CSV file has a malformed row or cell (file, line and column given).',
    action: 'Fix the cell the message names in your own file.',
  },
  DATA_ERR_STORE: {
    meaning:
      "A party's Parquet file or DuckDB database is not what its schema asks for: a column missing or of the wrong type, or a bad value (file, row and column given).",
    action: "Fix the column or value the message names in your own store, or write it again with the scenario's data.format.",
  },
  DATA_ERR_FILE: {
    meaning: 'A data file could not be read.',
    action: 'Check the path and its permissions.',
  },
  DATA_ERR_APPLICANTS: {
    meaning: 'The list of businesses to score is invalid.',
    action: 'Fix the line the message names in the applicant list.',
  },
  DATA_ERR_AUTHORISATIONS: {
    meaning: "A file of authorisations (the bank's) or of business keys (a holder's) is malformed (file and line given).",
    action: 'Fix the line the message names, or let the runner write the files again (they are generated for each run).',
  },
  SCENARIO_ERR_INVALID: {
    meaning: 'A scenario file has a wrong or missing field (path and line given).',
    action: 'Fix the field the message names; docs/SCENARIOS.md describes every field.',
  },
  SCENARIO_ERR_FILE: {
    meaning: 'A scenario file could not be read or parsed as YAML.',
    action: 'Check the path, and the YAML at the line given.',
  },
  RUN_ERR_PROCESS: {
    meaning: 'A party or coordinator process exited unexpectedly.',
    action: "Read that process's log in the run folder's logs/ for its reason.",
  },
  RUN_ERR_ACCURACY: {
    meaning: "The referee found the decrypted result further from plaintext than the design's target, or not a finite number.",
    action: 'Check the CKKS parameters (scale, moduli) and the model weights; a weight or cell far out of range overflows the encoding.',
  },
  RUN_ERR_DECISIONS: {
    meaning: "The recipient's own credit decisions differ from the referee's application of the same policy to the same scores.",
    action:
      "Check that the recipient's config carries the scenario's policy (parties/<recipient>/config.json); the message names the first applicant that differs.",
  },
  RUN_ERR_AUDIT: {
    meaning:
      'An audit trail does not verify: a line was edited, deleted, inserted or reordered, a signature or countersignature fails, or the trails disagree.',
    action: 'Each finding names the file, the line and the participant; treat that trail as tampered with and keep the others as evidence.',
  },
  RUN_ERR_TIMEOUT: {
    meaning: 'The whole run did not finish within its time limit.',
    action: 'Raise the scenario timeouts, or find the stuck process in the logs.',
  },
  CONFIG_ERR_INVALID: {
    meaning: 'A process was started with invalid options or config file.',
    action: 'The message names the option or field; run the command with --help.',
  },
  CONFIG_ERR_UNAVAILABLE: {
    meaning: 'A fedrisk subcommand is not part of this build (its script is missing).',
    action: 'Use a build that has it (fedrisk --help lists what this one has), or run its script from the branch that adds it.',
  },
} as const satisfies Record<string, { meaning: string; action: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

export const errorCodeSchema = z.custom<ErrorCode>(isErrorCode, 'unknown error code');

/** Longest message an error carries: an error never grows with the input that caused it. */
export const MAX_ERROR_MESSAGE = 2000;

/** Cuts text to a bound, saying how much was left out. */
export function bounded(text: string, max = MAX_ERROR_MESSAGE): string {
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length - max} more characters)`;
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
    super(bounded(message), options.cause === undefined ? undefined : { cause: options.cause });
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

export function wireToError(wire: { code: string; message: string; details?: Record<string, unknown> | undefined }): FedError {
  return FedError.fromWire({ code: isErrorCode(wire.code) ? wire.code : 'JOB_ERR_PARTY_FAILED', message: wire.message, details: wire.details });
}

/** A zod error as one line: every issue with its path. */
export function formatZodIssues(error: z.ZodError, prefix = ''): string {
  return error.issues
    .map((i) => {
      const path = [prefix, ...i.path.map(String)].filter(Boolean).join('.');
      return `${path || '(root)'}: ${i.message}`;
    })
    .join('; ');
}
