/**
 * A party node: loads only its own data, holds its own model slice, and
 * talks only to the coordinator. Messages are handled one at a time by the
 * step that owns their type (steps/*); after each, the job kind (jobs/*)
 * takes whatever step has become ready. No secret key or share ever leaves.
 */
import {
  type AttackOutput,
  asFedError,
  type CkksContext,
  type CoordinatorMessage,
  checkCkksParams,
  completeModel,
  createCkksContext,
  DEFAULT_CKKS,
  type DecisionTable,
  type EventSink,
  type FaultPoint,
  FedError,
  type Filing,
  type Frame,
  KeyMaterialLog,
  KnowledgeLedger,
  type Logger,
  loadPartyData,
  modelFromSpec,
  nodeConfigSchema,
  nodeTableSchema,
  type PartyModel,
  type PartySummary,
  partialLogits,
  partyModelSchema,
  type ReasonValue,
  readApplicants,
  readJsonFile,
  type ScoreTable,
  type SealModule,
  wireToError,
} from '@fedrisk/shared';
import type { z } from 'zod';
import { checkAgreed, readCa, readIdentityKey } from './agreement.ts';
import { type Connection, createConnection } from './connection.ts';
import { authoriseHandlers } from './governance/authorise.ts';
import type { GovernanceState } from './governance/state.ts';
import { auditHandlers, closeGovernance, openGovernance, recordReceived, recordSent } from './governance/trail.ts';
import { type Handler, type Handlers, mergeHandlers } from './handlers.ts';
import { nodeJobFor } from './jobs/index.ts';
import type { NodeJob } from './jobs/job.ts';
import { paillierHandlers } from './jobs/paillier.ts';
import { plaintextHandlers } from './jobs/plaintext.ts';
import { Session } from './session.ts';
import { alignmentHandlers } from './steps/alignment.ts';
import { keysHandlers } from './steps/keys.ts';
import { psiHandlers } from './steps/psi.ts';
import { queryHandlers } from './steps/query.ts';
import { reasonsHandlers } from './steps/reasons.ts';
import { refineHandlers } from './steps/reasons-refine.ts';
import { finishScores, scoringHandlers } from './steps/scoring.ts';
import { thresholdDecryptHandlers } from './steps/threshold-decrypt.ts';
import { trainingHandlers } from './steps/training.ts';

export interface NodeOptions {
  /** validated here: defaults are filled in, a bad field is a CONFIG_ERR_INVALID */
  config: z.input<typeof nodeConfigSchema>;
  /** coordinator URL, e.g. ws://127.0.0.1:4100 */
  url: string;
  token: string;
  seal: SealModule;
  logger: Logger;
  onEvent?: EventSink;
  signal?: AbortSignal;
  /** sees every raw frame this node receives (privacy tests capture them) */
  onRawFrame?: (raw: Buffer) => void;
  /** called at fault-injection points; the process entry uses it to crash on purpose */
  onFaultPoint?: (point: FaultPoint) => void;
  /** the clock authorisations and the audit trail are dated by */
  now?: () => Date;
}

/** What a node reports when its job ends: its summary, plus the recipient's scores and decisions or a trained model. */
export interface NodeOutcome extends PartySummary {
  scores?: ScoreTable;
  decisions?: DecisionTable;
  /** its own values of the columns it gave as reasons (for the applicant's notice; never sent) */
  reasonValues?: ReasonValue[];
  trainedModel?: PartyModel;
  /** a staged attack's findings */
  attack?: AttackOutput;
  /** its signed filing for the regulator (with an audit trail) */
  filing?: Filing;
}

export interface PartyNode {
  /** loads and checks this party's data, connects and joins; rejects if the data is bad or admission fails */
  start(): Promise<void>;
  /** settles when the job ends for this node; never rejects */
  readonly done: Promise<NodeOutcome>;
  /** leaves the job (telling the coordinator why, if it still runs); idempotent */
  close(): Promise<void>;
  /** drops the connection at once and writes nothing, as a killed process would */
  crash(): void;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Every step's handlers, assembled once: a message type claimed twice fails here, at start-up. */
const STEP_HANDLERS: Handlers = mergeHandlers({
  alignment: alignmentHandlers,
  psi: psiHandlers,
  keys: keysHandlers,
  query: queryHandlers,
  scoring: scoringHandlers,
  reasons: reasonsHandlers,
  refine: refineHandlers,
  'threshold-decrypt': thresholdDecryptHandlers(finishScores),
  training: trainingHandlers,
  audit: auditHandlers,
  authorise: authoriseHandlers,
  plaintext: plaintextHandlers,
  paillier: paillierHandlers,
});

/** Close codes a node uses: the reason carries its error code, so the coordinator can name the cause. */
const CLOSE_DONE = 1000;
const CLOSE_REFUSED = 4010;

export function createNode(opts: NodeOptions): PartyNode {
  const parsed = nodeConfigSchema.safeParse(opts.config);
  if (!parsed.success) throw new FedError('CONFIG_ERR_INVALID', `node config is invalid: ${parsed.error.issues[0]?.message}`);
  const config = parsed.data;
  const me = config.party;
  const log = opts.logger.child({ module: 'node', party: me });
  const onEvent: EventSink = opts.onEvent ?? (() => {});
  const ledger = new KnowledgeLedger();
  const custody = new KeyMaterialLog();
  const abort = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, abort.signal]) : abort.signal;
  let session: Session | undefined;
  let kind: NodeJob | undefined;
  let connection: Connection | undefined;
  let finished = false;
  let closing: Promise<void> | undefined;
  // made while the other parties join, with the usual parameters: SEAL's context takes a few hundred milliseconds
  let warm: CkksContext | undefined;
  let governance: GovernanceState | undefined;
  let identityKey: string | undefined;
  let resolveDone!: (o: NodeOutcome) => void;
  const done = new Promise<NodeOutcome>((resolve) => {
    resolveDone = resolve;
  });

  /** how the coordinator said the job ended, once its job.end has arrived */
  let ended: { error: FedError | undefined } | undefined;

  const finish = (reason?: FedError, closeCode = CLOSE_DONE): void => {
    if (finished) return;
    // losing the link right after job.end is the end the coordinator announced, not a lost coordinator
    const error = ended && reason?.code === 'JOB_ERR_PARTY_LOST' ? ended.error : reason;
    finished = true;
    if (error) log.error({ code: error.code, err: error.message }, 'job failed for this node');
    else log.info('job finished');
    const s = session;
    s?.dispose();
    warm?.delete();
    warm = undefined;
    const trainer = s?.training?.trainer ?? s?.training?.threshold;
    const filing = governance ? closeGovernance(governance, s, !error, identityKey, error?.code) : undefined;
    const unauthorised = Object.entries(governance?.verdicts ?? {}).reduce((n, [v, k]) => (v === 'valid' ? n : n + k), 0);
    resolveDone({
      party: me,
      ok: !error,
      ...(error ? { error: error.toWire() } : {}),
      idsLearned: s?.idsLearned ?? { intersection: 0, othersApplicants: 0, overlap: {} },
      rows: s?.deps.table.ids.length ?? 0,
      gaps: Math.max(0, (s?.gaps ?? 0) - unauthorised),
      ledger: ledger.toJSON(),
      timings: s?.timings ?? {},
      keyMaterial: custody.toJSON(),
      ...(trainer?.epochs.length ? { epochs: trainer.epochs } : {}),
      ...(trainer ? { trainedModel: trainer.model() } : {}),
      ...(s?.scoring?.scores ? { scores: s.scoring.scores } : {}),
      ...(s?.reasons?.decisions ? { decisions: s.reasons.decisions, reasonsReceived: s.reasons.received } : {}),
      ...(s?.reasons?.refined ? { reasonsRefined: s.reasons.refined } : {}),
      ...(s?.reasons ? { reasonValues: s.reasons.values } : {}),
      ...(s?.attack ? { attack: s.attack } : {}),
      ...(filing ? { filing } : {}),
      ...(governance
        ? {
            governance: {
              trailEntries: governance.trail.entries,
              countersigned: governance.countersigned,
              contributed: governance.contributed,
              verdicts: governance.verdicts,
              ...(governance.signatures ? { signatures: { verified: governance.signatures.verified, remembered: governance.signatures.remembered } } : {}),
            },
          }
        : {}),
    });
    void connection?.close(closeCode, error ? error.code : 'done');
  };

  /** Refuse the job: tell the coordinator why, then leave. */
  const refuse = async (err: FedError): Promise<void> => {
    log.error({ code: err.code, err: err.message }, 'refusing the job');
    const jobId = session?.job?.jobId;
    try {
      await connection?.send(jobId ? { type: 'error', jobId, error: err.toWire() } : { type: 'error', error: err.toWire() });
    } catch {
      // the coordinator is gone; leaving is all that is left
    }
    finish(err, CLOSE_REFUSED);
  };

  const lifecycle: Handlers = {
    welcome: () => {
      log.info('admitted');
      session?.deps.faultPoint('after-join');
    },
    'job.start': async (s, msg) => {
      if (s.job) throw new FedError('PROTO_ERR_UNEXPECTED', 'a second job.start');
      if (!msg.parties.some((p) => p.id === me && p.role === config.role))
        throw new FedError('JOB_ERR_MISMATCH', `job ${msg.jobId} does not list ${me} as a ${config.role}`);
      checkAgreed(config, msg);
      checkCkksParams(opts.seal, msg.ckks);
      const ready = warm && JSON.stringify(warm.params) === JSON.stringify(msg.ckks) ? warm : undefined;
      if (!ready) warm?.delete();
      warm = undefined;
      s.ckks = ready ?? createCkksContext(opts.seal, msg.ckks);
      s.job = msg;
      kind = nodeJobFor(msg);
      await kind.start(s);
    },
    'job.end': (_s, msg) => finish(msg.ok ? undefined : msg.error ? wireToError(msg.error) : new FedError('JOB_ERR_PARTY_FAILED', 'job failed')),
    error: async (s, msg) => {
      const err = wireToError(msg.error);
      log.warn({ code: err.code, err: err.message }, 'coordinator reported an error');
      if (err.code.startsWith('AUTH_ERR')) finish(err);
      // a message of ours was rejected mid-job: the job cannot go on, so say so instead of waiting for a timeout
      else if (s.job && err.code.startsWith('PROTO_ERR')) await refuse(new FedError(err.code, `the coordinator rejected a message from ${me}: ${err.message}`));
    },
  };
  const handlers = mergeHandlers({ lifecycle, steps: STEP_HANDLERS });

  const onFrame = async ({ msg, blobs }: Frame<CoordinatorMessage>): Promise<void> => {
    ledger.record(msg, blobs);
    if (governance) recordReceived(governance, msg, blobs);
    const s = session;
    if (finished || !s) return;
    try {
      const handler = handlers[msg.type] as Handler<typeof msg.type> | undefined;
      if (!handler) throw new FedError('PROTO_ERR_UNEXPECTED', `${msg.type} is not a message a node handles`);
      await handler(s, msg as never, blobs);
      if (!finished && kind) await kind.advance(s);
    } catch (err) {
      await refuse(asFedError(err, 'CRYPTO_ERR_SEAL'));
    }
  };

  const close = (): Promise<void> => {
    closing ??= (async () => {
      abort.abort();
      finish(new FedError('JOB_ERR_ABORTED', 'node closed'));
      await connection?.close(CLOSE_DONE, 'closed');
    })();
    return closing;
  };

  return {
    done,
    start: async () => {
      const schema = nodeTableSchema(config);
      const loadStart = performance.now();
      const table = await loadPartyData(config.data, schema, config.dataFormat);
      const loadMs = performance.now() - loadStart;
      // a model to complete is completed here, from this party's own rows; what it infers stays with it
      const model = config.modelFile
        ? readJsonFile(config.modelFile, partyModelSchema, 'model file', 'CONFIG_ERR_INVALID')
        : config.inferFeatures
          ? completeModel(
              table,
              schema.columns.map((c) => c.name),
              config.model,
              me,
            )
          : modelFromSpec(config.model, me);
      // computed once up front, so a model naming a missing column fails before joining
      partialLogits(table, model);
      const applicants = config.applicants ? await readApplicants(config.applicants, schema.idFormat) : undefined;
      log.info({ rows: table.ids.length, applicants: applicants?.length }, 'own data loaded');
      onEvent({ event: 'progress', party: me, step: 'load', done: table.ids.length, total: table.ids.length });
      identityKey = config.identityKeyFile ? readIdentityKey(config.identityKeyFile) : undefined;
      if (identityKey) custody.hold('identityKey');
      const now = opts.now ?? (() => new Date());
      governance = await openGovernance(config, table, identityKey, now);
      const g = governance;
      const conn = createConnection({
        url: opts.url,
        hello: { type: 'hello', party: me, role: config.role, token: opts.token },
        logger: log,
        silenceMs: config.timeouts.silenceMs,
        ca: config.tls ? readCa(config.tls.ca) : undefined,
        onFrame,
        onLost: (error) => finish(error),
        onJobEnd: (ok, error) => {
          ended = { error: ok ? undefined : (error ?? new FedError('JOB_ERR_PARTY_FAILED', 'job failed')) };
        },
        onRawFrame: opts.onRawFrame,
      });
      connection = conn;
      session = new Session({
        config,
        seal: opts.seal,
        log,
        onEvent,
        signal,
        ledger,
        custody,
        table,
        model,
        applicants,
        identityKey,
        governance,
        now,
        send: (msg, blobs) => {
          if (g) recordSent(g, session, msg, blobs ?? []);
          return conn.send(msg, blobs);
        },
        faultPoint: (point) => opts.onFaultPoint?.(point),
      });
      session.timings.load = loadMs;
      signal.addEventListener('abort', () => finish(new FedError('JOB_ERR_ABORTED', 'node aborted')), { once: true });
      await conn.open();
      setImmediate(() => {
        if (!finished && !session?.job) warm = createCkksContext(opts.seal, DEFAULT_CKKS);
      });
    },
    close,
    crash: () => {
      finished = true;
      abort.abort();
      connection?.terminate();
      session?.dispose();
    },
    [Symbol.asyncDispose]: close,
  };
}
