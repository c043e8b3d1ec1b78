/**
 * A coordinator run as its process does it, from its files: read the config,
 * listen, run the job, write the job record. The bin wraps this with process
 * arguments and signals; the runner's in-process launcher calls it directly.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type CoordinatorConfig,
  coordinatorConfigSchema,
  createLogger,
  type EventSink,
  FedError,
  jobRecordSchema,
  type Logger,
  loadSeal,
  readJsonFile,
  type SealModule,
  type StepGate,
  suspendedParticipants,
  suspensionsSchema,
  writeJsonFile,
  writePrivateFile,
} from '@fedrisk/shared';
import type { CoordinatorOptions } from './api.ts';
import { createCoordinator } from './coordinator.ts';

export interface CoordinatorMainOptions {
  configFile: string;
  host: string;
  port: number;
  /** where to write the job record */
  recordFile?: string | undefined;
  logFile?: string | undefined;
  /** without logFile: readable lines on a terminal instead of JSON */
  prettyLogs?: boolean | undefined;
  logLevel: string;
  /** a logger to use instead of making one from logFile/logLevel */
  logger?: Logger;
  /** a SEAL instance to use instead of loading one (participants in one process share theirs) */
  seal?: SealModule;
  onEvent: EventSink;
  /** stops the coordinator: the job ends as aborted and the record is still written */
  signal?: AbortSignal | undefined;
  /** privacy tests: every raw frame received is written here */
  captureDir?: string | undefined;
  /** a class follows the run: the coordinator waits here before each phase and each message */
  gate?: StepGate | undefined;
}

/** The coordinator's identity key and the regulator's signed suspension list (none yet if the file does not exist). */
function governanceOf(config: CoordinatorConfig): CoordinatorOptions['governance'] {
  const g = config.governance;
  if (!g) return undefined;
  const identityKey = readPem(g.identityKeyFile, 'identity key').trim();
  const s = g.suspensions;
  const suspended =
    s && existsSync(s.file)
      ? suspendedParticipants(readJsonFile(s.file, suspensionsSchema, 'suspension list', 'CONFIG_ERR_INVALID'), s.regulatorKey, s.file)
      : new Set<string>();
  return { identityKey, suspended };
}

function readPem(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw new FedError('CONFIG_ERR_INVALID', `cannot read the coordinator's ${what} ${path}: ${(cause as Error).message}`, { cause });
  }
}

/** Runs one job; resolves 0 when it succeeded, 1 when it failed. Rejects only if it cannot start. */
export async function runCoordinatorMain(o: CoordinatorMainOptions): Promise<number> {
  const config = readJsonFile(o.configFile, coordinatorConfigSchema, 'coordinator config', 'CONFIG_ERR_INVALID');
  const logger = o.logger ?? createLogger({ name: 'coordinator', level: o.logLevel, ...(o.logFile ? { file: o.logFile } : { pretty: o.prettyLogs === true }) });
  let frameNo = 0;
  const captureDir = o.captureDir;
  const seal = o.seal ?? (await loadSeal());
  const tls = config.tls ? { key: readPem(config.tls.key, 'TLS key'), cert: readPem(config.tls.cert, 'TLS certificate') } : undefined;
  const coordinator = createCoordinator({
    config,
    tls,
    governance: governanceOf(config),
    seal,
    logger,
    host: o.host,
    port: o.port,
    onEvent: o.onEvent,
    gate: o.gate,
    ...(captureDir
      ? { onRawFrame: (from: string, raw: Buffer) => writePrivateFile(join(captureDir, `to-coordinator-from-${from}-${++frameNo}.bin`), raw) }
      : {}),
  });
  const stop = () => void coordinator.close();
  o.signal?.addEventListener('abort', stop, { once: true });
  try {
    await coordinator.start();
    const record = await coordinator.done;
    await coordinator.close();
    if (o.recordFile) writeJsonFile(o.recordFile, jobRecordSchema, record);
    return record.ok ? 0 : 1;
  } finally {
    o.signal?.removeEventListener('abort', stop);
    await coordinator.close();
  }
}
