/**
 * The contract every job kind implements for the coordinator, and what the
 * coordinator gives it. A job is a table of message handlers plus `begin`;
 * the coordinator validates frames, checks the job id and hands each message
 * to its handler one at a time, in arrival order across all parties.
 */
import type {
  CkksContext,
  CoordinatorConfig,
  CoordinatorMessage,
  CoordinatorMsg,
  DecryptionCounter,
  EventSink,
  FedError,
  JobKind,
  KeyMaterialLog,
  Logger,
  NodeMessageType,
  NodeMsg,
  Outgoing,
  PhaseName,
  WireError,
} from '@fedrisk/shared';
import type { PhaseClock } from './phase-clock.ts';

export interface JobDeps {
  config: CoordinatorConfig;
  /** the job's CKKS context, made when first needed */
  ckks: () => CkksContext;
  logger: Logger;
  phases: PhaseClock;
  signal: AbortSignal;
  onEvent: EventSink;
  /** key material the job handles (relays); the job record lists it */
  custody: KeyMaterialLog;
  /** counts any value the coordinator decrypts (only a staged attack ever does) */
  ledger: DecryptionCounter;
  /** queues a message to one party; messages to one party leave in the order they were queued */
  send(party: string, msg: Outgoing<CoordinatorMessage>, blobs?: readonly Uint8Array[]): void;
  /** a party refused part of the job; recorded for the report */
  onRefusal(party: string, error: WireError): void;
  /** ends the job: ok, or failed with an error every party is told about */
  finish(error?: FedError): void;
}

export type NodeHandler<T extends NodeMessageType> = (party: string, msg: NodeMsg<T>, blobs: Uint8Array[]) => void | Promise<void>;
export type NodeHandlers = { [T in NodeMessageType]?: NodeHandler<T> };

export interface Job {
  readonly kind: JobKind;
  readonly handlers: NodeHandlers;
  /** every party has joined: hand out the job */
  begin(): void;
  /** parties the current phase still waits for, for timeout messages */
  waitingFor(): string[];
  /** a staged attack: what the coordinator read, per party, one value per slot */
  learned?(): Record<string, number[]>;
  /** frees what the job made (SEAL objects); idempotent */
  dispose?(): void;
}

export type JobFactory = (deps: JobDeps) => Job;

/** A reusable part of a job: its handlers, and whom it still waits for. */
export interface Step {
  readonly handlers: NodeHandlers;
  waitingFor(): string[];
}

/** Combines the handler tables of a job's steps; a message type handled twice is a bug, caught when the job is made. */
export function combineHandlers(...tables: NodeHandlers[]): NodeHandlers {
  const out: Record<string, unknown> = {};
  for (const table of tables) {
    for (const [type, handler] of Object.entries(table)) {
      if (out[type]) throw new Error(`two handlers for message type ${type}`);
      out[type] = handler;
    }
  }
  return out as NodeHandlers;
}

/** The parties of a job, and everyone but one of them. */
export function partyIds(config: CoordinatorConfig): string[] {
  return config.parties.map((p) => p.id);
}

export function othersThan(config: CoordinatorConfig, id: string): string[] {
  return partyIds(config).filter((p) => p !== id);
}

type JobStart = Outgoing<CoordinatorMsg<'job.start'>>;

/**
 * Hands out the job: one job.start to every party, naming the job's parties,
 * recipient, alignment and CKKS settings; `fields` add (or narrow) what the kind sends.
 */
export function sendJobStart(
  deps: JobDeps,
  fields: Pick<JobStart, 'keys' | 'kind'> & Partial<Omit<JobStart, 'type' | 'jobId' | 'parties' | 'recipient'>>,
): void {
  const { config } = deps;
  const parties = config.parties.map(({ id, role }) => ({ id, role }));
  for (const id of partyIds(config))
    deps.send(id, {
      type: 'job.start',
      jobId: config.jobId,
      alignment: config.alignment,
      psiHash: config.psiHash,
      ...(config.reuseAlignment ? { reuseAlignment: config.reuseAlignment } : {}),
      recipient: config.recipient,
      parties,
      ckks: config.ckks,
      ...fields,
    });
}

/**
 * The recipient's result.done, accepted in `phases`: the job ends, or, when
 * it still waits for something, `instead` runs and the job finishes itself later.
 */
export function recipientDone(deps: JobDeps, phases: readonly PhaseName[], instead?: () => void): NodeHandler<'result.done'> {
  return (party, msg) => {
    deps.phases.expect(party, msg.type, ...phases);
    if (party !== deps.config.recipient) throw deps.phases.unexpected(party, msg.type);
    deps.logger.info({ from: party, scored: msg.scored }, 'recipient has the result');
    if (instead) return instead();
    deps.phases.close();
    deps.finish();
  };
}
