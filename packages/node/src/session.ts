/**
 * What one party knows and holds during a job, in one object: its own data,
 * the job it agreed to, its keys, the aligned slots, and each step's state.
 * Steps (steps/*) read and write it; the job kind (jobs/*) decides which
 * step comes next. Each step runs once: `steps.begin` throws if it ran before.
 */
import {
  type CkksContext,
  type EventSink,
  FedError,
  type IdsLearned,
  type JobStart,
  type KeyMaterialLog,
  type KnowledgeLedger,
  type Logger,
  type NodeConfig,
  type NodeMessage,
  type Outgoing,
  type PartyModel,
  type PartyTable,
  type SealModule,
} from '@fedrisk/shared';
import type { GovernanceState } from './governance/state.ts';
import type {
  AttackState,
  KeysState,
  PaillierState,
  PsiState,
  ReasonsState,
  RefineState,
  ScoringState,
  ThresholdDecryptState,
  TrainingState,
} from './state.ts';

/** Steps that run at most once per job; running one twice is a bug (JOB_ERR_INTERNAL). */
export class StepGuard {
  readonly #begun = new Set<string>();

  has(step: string): boolean {
    return this.#begun.has(step);
  }

  /** marks a step as started, synchronously, before any await: a second caller is refused */
  begin(step: string): void {
    if (this.#begun.has(step)) throw new FedError('JOB_ERR_INTERNAL', `step "${step}" started a second time: a step ran twice`);
    this.#begun.add(step);
  }
}

export interface SessionDeps {
  config: NodeConfig;
  seal: SealModule;
  log: Logger;
  onEvent: EventSink;
  signal: AbortSignal;
  ledger: KnowledgeLedger;
  custody: KeyMaterialLog;
  table: PartyTable;
  model: PartyModel;
  applicants: string[] | undefined;
  /** this party's own identity secret key, which it made itself */
  identityKey: string | undefined;
  /** audit trail and authorisations, when the config asks for them */
  governance: GovernanceState | undefined;
  /** the time authorisations are checked against */
  now: () => Date;
  send(msg: Outgoing<NodeMessage>, blobs?: readonly Uint8Array[]): Promise<void>;
  faultPoint(point: 'after-join' | 'after-keys' | 'before-partial'): void;
}

export class Session {
  readonly me: string;
  readonly steps = new StepGuard();
  readonly timings: Record<string, number> = {};
  readonly idsLearned: IdsLearned = { intersection: 0, othersApplicants: 0, overlap: {} };
  /** the job this party agreed to, once job.start has been checked */
  job: JobStart | undefined;
  ckks: CkksContext | undefined;
  /** the key every party encrypts under: the holder's, or the collective one */
  publicKey: Uint8Array | undefined;
  /** the record id at each aligned slot, as this party knows it ('' where it has no record) */
  slotIds: string[] | undefined;
  /** alignment finished (or was not needed) */
  aligned = false;
  /** recipient: per holder, the slots that matched (PSI, or its record of an earlier PSI); the reasons step asks each holder about its own only */
  readonly matchedSlots = new Map<string, number[]>();
  /** slots this party had no record for */
  gaps = 0;
  psi: PsiState | undefined;
  keys: KeysState | undefined;
  threshold: ThresholdDecryptState | undefined;
  scoring: ScoringState | undefined;
  /** the reasons step: decisions and reasons (recipient), what a party released (holder) */
  reasons: ReasonsState | undefined;
  /** the reasons refinement: the recipient's comparisons, or a holder's plan and operands */
  readonly refine: RefineState = {};
  training: TrainingState | undefined;
  paillier: PaillierState | undefined;
  /** a staged attack's findings */
  attack: AttackState | undefined;

  readonly deps: SessionDeps;

  constructor(deps: SessionDeps) {
    this.deps = deps;
    this.me = deps.config.party;
  }

  get log(): Logger {
    return this.deps.log;
  }

  get config(): NodeConfig {
    return this.deps.config;
  }

  /** the job's fields, once it has started (a step that runs before job.start is a bug) */
  get started(): JobStart {
    if (!this.job) throw new FedError('PROTO_ERR_UNEXPECTED', 'a job message arrived before job.start');
    return this.job;
  }

  get ctx(): CkksContext {
    if (!this.ckks) throw new FedError('JOB_ERR_INTERNAL', 'no CKKS context: the job has not started');
    return this.ckks;
  }

  get isRecipient(): boolean {
    return this.job?.recipient === this.me;
  }

  get jobParties(): { id: string; role: string }[] {
    return this.job?.parties ?? [];
  }

  send(msg: Outgoing<NodeMessage>, blobs?: readonly Uint8Array[]): Promise<void> {
    return this.deps.send(msg, blobs);
  }

  progress(step: string, done: number, total: number): void {
    this.deps.onEvent({ event: 'progress', party: this.me, step, done, total });
  }

  async timed<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
    const t = performance.now();
    try {
      return await fn();
    } finally {
      this.timings[name] = (this.timings[name] ?? 0) + (performance.now() - t);
    }
  }

  get identityKey(): string {
    const key = this.deps.identityKey;
    if (!key) throw new FedError('CONFIG_ERR_INVALID', `${this.me} has no identity key: give it identityKeyFile (made by node --keygen)`);
    return key;
  }

  /** every party's identity public key, from this party's own roster (never from the coordinator) */
  rosterKey(party: string): string {
    if (!this.config.roster) throw new FedError('CONFIG_ERR_INVALID', `${this.me} has no roster of identity keys: it cannot check who signed what`);
    const entry = this.config.roster.find((r) => r.party === party);
    if (!entry) throw new FedError('CRYPTO_ERR_SIGNATURE', `${party} is not in this party's roster of identity keys`);
    return entry.publicKey;
  }

  /** releases every SEAL object and worker this session made */
  dispose(): void {
    this.training?.threshold?.dispose();
    this.keys?.single?.delete();
    this.keys?.threshold?.delete();
    if (this.keys) {
      this.keys.single = undefined;
      this.keys.threshold = undefined;
    }
    void this.psi?.pool.close();
    this.psi = undefined;
    this.ckks?.delete();
    this.ckks = undefined;
  }
}
