/**
 * Loggers are made here and passed in; no module logs through a global.
 * `redact` is the last line of defence: code logs counts, never values, and
 * these paths are censored if a value ever slips into a log object.
 */
import { createRequire } from 'node:module';
import { type DestinationStream, type Logger, pino } from 'pino';
import type * as Pretty from 'pino-pretty';

// loaded only for a terminal: every participant process starts without it
import { FedError } from './errors.ts';

const requireLazily = createRequire(import.meta.url);

export type { Logger } from 'pino';

const REDACTED_PATHS = [
  'token',
  '*.token',
  'secretKey',
  '*.secretKey',
  'values',
  '*.values',
  'features',
  '*.features',
  'ids',
  '*.ids',
  'plaintext',
  '*.plaintext',
  'partials',
  '*.partials',
];

/** The levels a participant's log may be set to: pino's, and silent. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A `--log-level` option's value, checked: the level, or a coded error naming the ones there are. */
export function logLevelOption(level: string): (typeof LOG_LEVELS)[number] {
  if (!(LOG_LEVELS as readonly string[]).includes(level))
    throw new FedError('CONFIG_ERR_INVALID', `--log-level must be one of fatal, error, warn, info, debug, trace; got ${level}`);
  return level as (typeof LOG_LEVELS)[number];
}

export interface LoggerOptions {
  name: string;
  level?: string;
  destination?: DestinationStream;
  /** log to this file (created with its folder) instead of stderr */
  file?: string;
  /** stderr is a terminal: readable coloured lines instead of JSON (never for a file) */
  pretty?: boolean;
}

export function createLogger(opts: LoggerOptions): Logger {
  return pino(
    { name: opts.name, level: opts.level ?? 'info', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } },
    opts.destination ??
      (opts.pretty && !opts.file
        ? (requireLazily('pino-pretty') as typeof Pretty).PinoPretty({
            destination: 2,
            sync: true,
            colorize: true,
            translateTime: 'HH:MM:ss.l',
            ignore: 'pid,hostname',
          })
        : pino.destination({ dest: opts.file ?? 2, sync: true, mkdir: opts.file !== undefined, mode: 0o600 })),
  );
}

/** A logger that drops everything, for unit tests and library callers that do not care. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** Flushes and closes a logger's file (a no-op for stderr): in-process participants must not leak descriptors. */
export function closeLogger(logger: Logger): void {
  const stream = (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as
    | { fd?: number; flushSync?: () => void; end?: () => void }
    | undefined;
  if (!stream || stream.fd === 1 || stream.fd === 2) return;
  // anything logged after this (a socket closing late) is dropped, not written to a closed file
  logger.level = 'silent';
  try {
    stream.flushSync?.();
  } catch {
    // nothing was buffered
  }
  stream.end?.();
}
