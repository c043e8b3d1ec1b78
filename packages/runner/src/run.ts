/**
 * Runs a scenario end to end: makes the data, starts the coordinator and one
 * process per party on 127.0.0.1, follows the job, stops everything, lets the
 * referee verify the result and writes report.json into a run folder.
 */
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import {
  type Alignment,
  asFedError,
  type CoordinatorConfig,
  createIdentity,
  csvLines,
  FedError,
  type KeysDesign,
  type KnowledgeCounts,
  type LinkCount,
  modelColumnsFor,
  type NetworkConditions,
  type NodeConfig,
  type PartyTable,
  type ProcessEvent,
  parsePartyCsv,
  partialLogitsFor,
  partyModelSchema,
  type Scenario,
  scorecardMapping,
  splitCsvLine,
  type TableSchema,
  thresholdNoise,
  trainTaylorLR,
  type WireError,
} from '@fedrisk/shared';
import { makeDataSet, sampleApplicants } from './dataset.ts';
import { type Child, COORDINATOR_BIN, NODE_BIN, startChild, stopChildren } from './processes.ts';
import { readLabels, readScores, type Verification, verify } from './referee.ts';
import { auc, ks } from './stats.ts';

export interface RunOptions {
  scenario: Scenario;
  scenarioFile: string;
  /** folder that receives run folders (default: runs) */
  runsDir?: string;
  /** print every protocol message as it crosses the coordinator */
  trace?: boolean;
  /** capture every raw frame each participant receives (privacy tests) */
  captureFrames?: boolean;
  logLevel?: string;
  signal?: AbortSignal;
  /** human-readable progress lines */
  onLine?: (line: string) => void;
}

export interface LedgerEntry {
  received: KnowledgeCounts;
  decrypted: number;
  /** business ids the participant learned, by kind (parties only) */
  idsLearned?: { intersection: number; othersApplicants: number; overlap: Record<string, number> };
}

/** What each side learned about the overlap, next to the truth the referee knows. */
export interface AlignmentResult {
  mode: Alignment;
  applicants: number;
  holders: Record<
    string,
    {
      customers: number;
      /** applicants the holder has records of (referee's count) */
      trueIntersection: number;
      /** the overlap size the recipient learned */
      recipientLearned: number;
      /** own customers the holder learned are applicants */
      holderLearnedIntersection: number;
      /** ids of applicants it had no record of that the holder received */
      holderLearnedOthersApplicants: number;
    }
  >;
}

export interface ThresholdBound {
  /** estimated standard deviation of the summed ciphertext's noise, in bits */
  noiseStdBits: number;
  /** bound the smudging must hide (16 standard deviations), in bits */
  noiseBoundBits: number;
  /** standard deviation of each party's smudging noise, in bits */
  smudgingBits: number;
  /** smudgingBits - noiseBoundBits: statistical distance about 2^-margin */
  marginBits: number;
  expectedSlotErrorStd: number;
  targetMaxError: number;
}

/** One design's run on the scenario's data: everything the report says about it. */
export interface DesignResult {
  keys: KeysDesign;
  ok: boolean;
  error?: WireError;
  verification?: Verification;
  phases: { name: string; ms: number }[];
  links: LinkCount[];
  bytesOnWire: number;
  ledger: Record<string, LedgerEntry>;
  keyCustody: { participant: string; holds: string[] }[];
  refusals: { party: string; code: string; message: string }[];
  threshold?: ThresholdBound;
  alignment: AlignmentResult;
  timings: { jobMs: number; afterJoinMs: number; perParty: Record<string, Record<string, number>> };
}

export interface Report extends DesignResult {
  version: 1;
  runId: string;
  startedAt: string;
  scenario: {
    name: string;
    file: string;
    seed: number;
    keys: KeysDesign;
    alignment: Alignment;
    parties: { id: string; role: string; coverage: number }[];
    network: NetworkConditions;
  };
  businesses: { population: number; scored: number; perParty: Record<string, { rows: number; gaps: number }> };
  crypto: {
    scheme: 'CKKS';
    polyModulusDegree: number;
    coeffModulusBits: number[];
    scaleBits: number;
    compression: string;
    slotsPerCiphertext: number;
    ciphertextsPerParty: number;
  };
  /** every design run on the same data, the scenario's own first */
  designs: DesignResult[];
  /** joint training, when the scenario trains: loss per epoch and the referee's fidelity check */
  training?: TrainingReport;
  /** score = offset - factor * logit: points at the base odds and per doubling of the odds */
  scorecard: { baseScore: number; baseOdds: number; pdo: number; factor: number; offset: number };
  /** where the records came from; real-data rows left out for a missing value */
  data: { source: string; records: number; dropped: { line: number; column: string }[] };
  totalMs: number;
  dataMs: number;
}

export interface ModelQuality {
  trainAuc: number;
  testAuc: number;
  trainKs: number;
  testKs: number;
}

export interface TrainingReport {
  params: NonNullable<Scenario['train']>;
  trainRows: number;
  testRows: number;
  epochs: { epoch: number; loss: number; ms: number }[];
  secondsPerEpoch: number;
  plaintextSecondsPerEpoch: number;
  federated: ModelQuality;
  centralised: ModelQuality;
  bankOnly: ModelQuality;
  /** largest difference between a federated weight and the centralised one */
  maxWeightDifference: number;
  ledger: Record<string, LedgerEntry>;
  timings: DesignResult['timings'];
  bytesOnWire: number;
}

export interface RunResult {
  ok: boolean;
  runDir: string;
  report: Report;
}

interface JobRecordFile {
  ok: boolean;
  error?: WireError;
  phases: { name: string; ms: number }[];
  links: LinkCount[];
  ledger: LedgerEntry;
  keyMaterial: string[];
  refusals: { party: string; code: string; message: string }[];
}

interface NodeSummaryFile {
  party: string;
  ok: boolean;
  rows: number;
  gaps: number;
  ledger: LedgerEntry;
  idsLearned: NonNullable<LedgerEntry['idsLearned']>;
  timings: Record<string, number>;
}

function stamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

const kb = (n: number) => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${(n / 1024).toFixed(0)} KB`);

interface Prepared {
  runDir: string;
  runId: string;
  dataDir: string;
  applicants: string[];
  rows: Map<string, number>;
  members: Map<string, Set<string>>;
  schemas: Map<string, TableSchema>;
  size: number;
  source: string;
  /** training rows (bank's customers not scored), when the scenario trains */
  trainIds: string[];
  labels: Map<string, number>;
  dropped: { line: number; column: string }[];
  identities: Map<string, { publicKey: string; privateKey: string }>;
}

/** Makes the data once for every design: each party's own file; ground truth only for the referee. */
async function prepare(
  scenario: Scenario,
  scenarioFile: string,
  runsDir: string,
  startedAt: Date,
  say: (l: string) => void,
): Promise<Prepared & { dataMs: number }> {
  let runId = `${stamp(startedAt)}-${scenario.name}`;
  for (let k = 2; existsSync(join(runsDir, runId)); k++) runId = `${stamp(startedAt)}-${scenario.name}-${k}`;
  const td = performance.now();
  say(
    scenario.data.kind === 'synthetic'
      ? `  data      generating ${scenario.data.businesses} synthetic businesses (seed ${scenario.seed}) ...`
      : `  data      splitting ${scenario.data.file} into one file per party ...`,
  );
  // made before the run folder, so a bad data file leaves nothing behind
  const ds = await makeDataSet(scenario, scenarioFile);
  const runDir = join(runsDir, runId);
  const dataDir = join(runDir, 'data');
  mkdirSync(dataDir, { recursive: true });
  for (const p of scenario.parties) writeFileSync(join(dataDir, `${p.id}.csv`), ds.files.get(p.id) as string);
  const own = ds.members.get(scenario.job.recipient) ?? [];
  const labels = readLabelsCsv(ds.refereeCsv);
  let applicants: string[];
  let trainIds: string[] = [];
  if (scenario.train) {
    // train on part of the bank's own customers, score (test on) the rest
    const order = sampleApplicants(own, 'all', scenario.seed);
    const testCount = Math.ceil(order.length * scenario.train.testShare);
    const test = order.slice(0, testCount);
    trainIds = order.slice(testCount);
    applicants = scenario.job.applicants === 'all' ? test : test.slice(0, scenario.job.applicants);
  } else applicants = sampleApplicants(own, scenario.job.applicants, scenario.seed);
  mkdirSync(join(runDir, 'referee'), { recursive: true });
  writeFileSync(join(runDir, 'referee', 'population.csv'), ds.refereeCsv);
  const dataMs = performance.now() - td;
  const rows = new Map(scenario.parties.map((p) => [p.id, ds.members.get(p.id)?.length ?? 0]));
  const members = new Map(scenario.parties.map((p) => [p.id, new Set(ds.members.get(p.id) ?? [])]));
  say(`  data      ${scenario.parties.map((p) => `${p.id} ${rows.get(p.id)} rows`).join(' · ')} · ${applicants.length} applicants (${dataMs.toFixed(0)} ms)`);
  // identity keys, handed out of band like credentials: each party gets its own private key and everyone's public keys
  const identities = new Map(scenario.parties.map((p) => [p.id, createIdentity()]));
  if (ds.dropped.length)
    say(`  data      left out ${ds.dropped.length} row(s) with a missing value (lines ${ds.dropped.map((d) => `${d.line} ${d.column}`).join(', ')})`);
  return {
    runDir,
    runId,
    dataDir,
    applicants,
    trainIds,
    labels,
    rows,
    members,
    schemas: ds.schemas,
    size: ds.size,
    source: ds.source,
    dropped: ds.dropped,
    identities,
    dataMs,
  };
}

function custody(keys: KeysDesign, scenario: Scenario, coordinatorHolds: string[]): { participant: string; holds: string[] }[] {
  return [
    { participant: 'coordinator', holds: coordinatorHolds },
    ...scenario.parties.map((p) => ({
      participant: p.id,
      holds:
        keys === 'threshold'
          ? ['secret-key share (its own only)', 'collective public key', 'X25519 key for sealed shares', 'identity signing key']
          : p.id === scenario.job.recipient
            ? ['secret key (the whole key)', 'public key']
            : ['public key'],
    })),
  ];
}

/** Runs the job once with the given design: one coordinator and one process per party. */
interface JobSpec {
  kind: 'scoring' | 'training';
  /** scoring after training: each party's own trained model file */
  modelFiles?: Map<string, string>;
}

async function runJob(
  scenario: Scenario,
  prep: Prepared,
  keys: KeysDesign,
  opts: RunOptions,
  say: (l: string) => void,
  spec: JobSpec = { kind: 'scoring' },
): Promise<DesignResult> {
  const recipient = scenario.job.recipient;
  const training = spec.kind === 'training';
  const jobDir = join(prep.runDir, 'jobs', training ? 'training' : keys);
  const logDir = join(jobDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  if (training) say(`  job       joint training: ${recipient} holds the labels and the key; every party keeps its own weights`);
  else
    say(
      `  job       design ${keys}: ${keys === 'threshold' ? `every party holds a key share; all ${scenario.parties.length} must take part to decrypt` : `${recipient} holds the only secret key`}`,
    );
  const tokens = new Map(scenario.parties.map((p) => [p.id, randomBytes(24).toString('base64url')]));
  const jobId = `job-${prep.runId}-${training ? 'training' : keys}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64);
  const misbehave = scenario.faults.flatMap((f) =>
    'coordinator' in f ? [f.coordinator === 'decrypt-input' ? { kind: 'decrypt-input' as const, target: f.target } : { kind: 'replay-decrypt' as const }] : [],
  )[0];
  const coordinatorConfig: CoordinatorConfig = {
    jobId,
    keys,
    alignment: training ? (scenario.job.alignment === 'query' ? 'query' : 'psi') : scenario.job.alignment,
    kind: spec.kind,
    ...(training && scenario.train ? { training: scenario.train } : {}),
    ...(keys === 'single-holder' ? { keyHolder: recipient } : {}),
    recipient,
    ckks: training ? scenario.crypto.training : scenario.crypto.ckks,
    parties: scenario.parties.map((p) => ({
      id: p.id,
      role: p.role,
      tokenSha256: createHash('sha256')
        .update(tokens.get(p.id) as string)
        .digest('hex'),
    })),
    timeouts: scenario.timeouts,
    network: scenario.network,
    ...(misbehave && keys === 'threshold' ? { misbehave } : {}),
  };
  const coordinatorDir = join(jobDir, 'coordinator');
  mkdirSync(coordinatorDir, { recursive: true });
  writeFileSync(join(coordinatorDir, 'config.json'), `${JSON.stringify(coordinatorConfig, null, 2)}\n`);
  const roster = scenario.parties.map((p) => ({ party: p.id, role: p.role, publicKey: (prep.identities.get(p.id) as { publicKey: string }).publicKey }));
  const partyDir = (id: string) => join(jobDir, 'parties', id);
  for (const p of scenario.parties) {
    const dir = partyDir(p.id);
    mkdirSync(dir, { recursive: true });
    const fault = scenario.faults.find(
      (f): f is { party: string; crashAt: 'after-join' | 'after-keys' | 'before-partial' } => 'party' in f && f.party === p.id,
    );
    const rows = training ? prep.trainIds : prep.applicants;
    if (p.id === recipient) writeFileSync(join(dir, 'applicants.txt'), `${rows.join('\n')}\n`);
    // the bank is the label holder: it knows which of its own customers defaulted
    if (training && p.id === recipient)
      writeFileSync(join(dir, 'labels.csv'), `business_id,label\n${rows.map((id) => `${id},${prep.labels.get(id) ?? 0}`).join('\n')}\n`);
    const cfg: NodeConfig = {
      party: p.id,
      role: p.role,
      data: join(prep.dataDir, `${p.id}.csv`),
      ...(scenario.data.kind === 'csv' ? { columns: [...(prep.schemas.get(p.id)?.columns ?? [])], idFormat: 'plain' as const } : {}),
      model: scenario.model[p.id] as NodeConfig['model'],
      ...(p.id === recipient ? { scorecard: scenario.scorecard, applicants: join(dir, 'applicants.txt') } : {}),
      ...(training && p.id === recipient ? { labels: join(dir, 'labels.csv') } : {}),
      ...(spec.modelFiles?.get(p.id) ? { modelFile: spec.modelFiles.get(p.id) as string } : {}),
      outDir: join(dir, 'out'),
      ...(fault ? { fault: { crashAt: fault.crashAt } } : {}),
      identityKey: (prep.identities.get(p.id) as { privateKey: string }).privateKey,
      roster,
    };
    writeFileSync(join(dir, 'config.json'), `${JSON.stringify(cfg, null, 2)}\n`);
  }

  const children: Child[] = [];
  const trace: string[] = [];
  const tj = performance.now();
  let joinedAt: number | undefined;
  let failure: FedError | undefined;
  const progressShown = new Map<string, number>();
  let resolveListening!: (url: string) => void;
  const listening = new Promise<string>((r) => {
    resolveListening = r;
  });
  const onEvent = (name: string, e: ProcessEvent): void => {
    switch (e.event) {
      case 'listening':
        resolveListening(e.url);
        return;
      case 'message':
        trace.push(JSON.stringify(e));
        if (opts.trace) say(`    ${e.at.toFixed(0).padStart(6)} ms  ${e.from.padStart(11)} → ${e.to.padEnd(11)} ${e.type.padEnd(15)} ${e.summary}`);
        return;
      case 'joined':
        say(`  join      ${e.party} joined`);
        return;
      case 'phase':
        if (e.name === 'join') joinedAt = performance.now();
        say(`  ${e.name.padEnd(9)} done in ${e.ms.toFixed(0)} ms`);
        return;
      case 'progress': {
        const key = `${e.party}:${e.step}`;
        const shown = progressShown.get(key) ?? -1;
        if (e.step === 'load') say(`  load      ${e.party} loaded and checked ${e.total} own rows`);
        else if (e.step === 'psi:blind') say(`  psi       ${e.party} hashed and blinded its ${e.total} ids`);
        else if (e.step === 'psi:reblind') say(`  psi       ${e.party} blinded the bank's ${e.total} points again`);
        else if (e.step === 'psi:match') say(`  psi       ${e.party} blinded ${e.total} holder points again and matched them`);
        else if (e.done === e.total || e.done - shown >= Math.max(1, Math.ceil(e.total / 4))) {
          progressShown.set(key, e.done);
          say(`  ${e.step.padEnd(9)} ${e.party} ${e.done}/${e.total} ciphertexts`);
        }
        return;
      }
      case 'epoch':
        say(`  epoch     ${e.epoch}: loss ${e.loss.toFixed(4)} (${(e.ms / 1000).toFixed(1)} s)`);
        return;
      case 'refused':
        say(`  REFUSED   ${e.party}: ${e.code}: ${e.message}`);
        return;
      case 'fatal':
        say(`  FATAL     ${name}: ${e.code}: ${e.message}`);
        return;
      default:
        return;
    }
  };
  const env = (extra: Record<string, string>): Record<string, string> => ({
    ...extra,
    ...(opts.captureFrames ? { FEDRISK_CAPTURE_DIR: join(jobDir, 'capture') } : {}),
  });
  const logLevel = opts.logLevel ?? 'info';
  const recordFile = join(coordinatorDir, 'job-record.json');
  const coordinator = startChild(
    'coordinator',
    COORDINATOR_BIN,
    [
      '--config',
      join(coordinatorDir, 'config.json'),
      '--port',
      '0',
      '--record',
      recordFile,
      '--log-file',
      join(logDir, 'coordinator.log'),
      '--log-level',
      logLevel,
    ],
    env({}),
    onEvent,
  );
  children.push(coordinator);
  const runTimeoutMs = scenario.timeouts.joinMs + 6 * scenario.timeouts.phaseMs + 30_000;
  let timer: NodeJS.Timeout | undefined;
  const abortFromOutside = () => {
    failure ??= new FedError('JOB_ERR_ABORTED', 'the run was interrupted');
    void stopChildren(children);
  };
  opts.signal?.addEventListener('abort', abortFromOutside, { once: true });
  try {
    const url = await Promise.race([
      listening,
      coordinator.exited.then((code) => {
        throw new FedError(
          'RUN_ERR_PROCESS',
          `the coordinator exited (code ${code}) before listening: ${coordinator.lastFatal?.message ?? coordinator.stderrTail()}`,
        );
      }),
    ]);
    say(`  start     coordinator listening on ${url}`);
    for (const p of scenario.parties) {
      const dir = partyDir(p.id);
      children.push(
        startChild(
          p.id,
          NODE_BIN,
          ['--config', join(dir, 'config.json'), '--coordinator', url, '--log-file', join(logDir, `${p.id}.log`), '--log-level', logLevel],
          env({ FEDRISK_TOKEN: tokens.get(p.id) as string }),
          onEvent,
        ),
      );
    }
    // a node that cannot join (bad data, refused credential) exits 2 before the coordinator ever sees it
    const earlyExit = Promise.race(children.slice(1).map(async (c) => ((await c.exited) === 2 ? c : undefined)));
    const timeout = new Promise<'timeout'>((r) => {
      timer = setTimeout(() => r('timeout'), runTimeoutMs);
    });
    const first = await Promise.race([coordinator.exited.then(() => 'coordinator' as const), earlyExit, timeout]);
    if (first === 'timeout') {
      failure = new FedError('RUN_ERR_TIMEOUT', `the run did not finish within ${runTimeoutMs} ms`);
    } else if (first && typeof first === 'object') {
      const fatal = first.lastFatal;
      failure = new FedError(
        (fatal?.code as FedError['code']) ?? 'RUN_ERR_PROCESS',
        `party ${first.name} could not join: ${fatal?.message ?? first.stderrTail()}`,
        {
          details: { party: first.name },
        },
      );
      say(`  stop      ${first.name} could not join; stopping the run`);
    }
    if (failure) await stopChildren(children);
    else {
      // the coordinator has ended the job; nodes leave on job.end
      const settle = setTimeout(() => void stopChildren(children), 10_000);
      await Promise.all(children.map((c) => c.exited));
      clearTimeout(settle);
    }
  } catch (err) {
    failure ??= asFedError(err, 'RUN_ERR_PROCESS');
    await stopChildren(children);
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', abortFromOutside);
  }
  const end = performance.now();
  writeFileSync(join(jobDir, 'trace.jsonl'), trace.length ? `${trace.join('\n')}\n` : '');

  const record = readJson<JobRecordFile>(recordFile);
  if (!failure && record && !record.ok && record.error) failure = new FedError(record.error.code, record.error.message);
  if (!failure && !record)
    failure = new FedError('RUN_ERR_PROCESS', `the coordinator wrote no job record: ${coordinator.lastFatal?.message ?? coordinator.stderrTail()}`);
  const summaries = new Map<string, NodeSummaryFile>();
  for (const p of scenario.parties) {
    const s = readJson<NodeSummaryFile>(join(partyDir(p.id), 'out', 'summary.json'));
    if (s) summaries.set(p.id, s);
  }
  let verification: Verification | undefined;
  if (!failure && !training && scenario.job.alignment !== 'psi-cardinality') {
    try {
      say('  verify    referee recomputes every score in plaintext ...');
      verification = await verify({
        parties: scenario.parties.map((p) => ({
          id: p.id,
          schema: prep.schemas.get(p.id) as TableSchema,
          dataFile: join(prep.dataDir, `${p.id}.csv`),
          model: spec.modelFiles?.get(p.id) ? readModel(spec.modelFiles.get(p.id) as string) : (scenario.model[p.id] as NodeConfig['model']),
        })),
        recipient,
        applicants: prep.applicants,
        labels: await readLabels(join(prep.runDir, 'referee', 'population.csv')),
        scores: await readScores(join(partyDir(recipient), 'out', 'scores.csv')),
      });
    } catch (err) {
      failure = asFedError(err, 'RUN_ERR_PROCESS', 'verification failed');
    }
  }
  const ledger: Record<string, LedgerEntry> = {};
  if (record) ledger.coordinator = record.ledger;
  for (const [id, s] of summaries) ledger[id] = { ...s.ledger, idsLearned: s.idsLearned };
  const links = record?.links ?? [];
  const applicantSet = new Set(prep.applicants);
  const recipientIds = summaries.get(recipient)?.idsLearned;
  const alignment: AlignmentResult = {
    mode: scenario.job.alignment,
    applicants: prep.applicants.length,
    holders: Object.fromEntries(
      scenario.parties
        .filter((p) => p.id !== recipient)
        .map((p) => {
          const own = prep.members.get(p.id) ?? new Set<string>();
          const learned = summaries.get(p.id)?.idsLearned;
          return [
            p.id,
            {
              customers: own.size,
              trueIntersection: [...own].filter((id) => applicantSet.has(id)).length,
              recipientLearned: scenario.job.alignment === 'query' ? 0 : (recipientIds?.overlap[p.id] ?? 0),
              holderLearnedIntersection: learned?.intersection ?? 0,
              holderLearnedOthersApplicants: learned?.othersApplicants ?? 0,
            },
          ];
        }),
    ),
  };
  const n = scenario.parties.length;
  const ck = scenario.crypto.ckks;
  return {
    keys,
    ok: !failure,
    ...(failure ? { error: failure.toWire() } : {}),
    ...(verification ? { verification } : {}),
    phases: record?.phases ?? [],
    links,
    bytesOnWire: links.reduce((s, l) => s + l.bytes, 0),
    ledger,
    keyCustody: custody(keys, scenario, record?.keyMaterial ?? []),
    refusals: record?.refusals ?? [],
    alignment,
    ...(keys === 'threshold' ? { threshold: { ...thresholdNoise(ck.polyModulusDegree, n, n, ck.scaleBits), targetMaxError: 1e-4 } } : {}),
    timings: { jobMs: end - tj, afterJoinMs: joinedAt ? end - joinedAt : 0, perParty: Object.fromEntries([...summaries].map(([id, s]) => [id, s.timings])) },
  };
}

export async function runScenario(opts: RunOptions): Promise<RunResult> {
  const { scenario } = opts;
  const say = opts.onLine ?? (() => {});
  const t0 = performance.now();
  const startedAt = new Date();
  const runsDir = resolve(opts.runsDir ?? 'runs');
  const designs = [scenario.job.keys, ...scenario.job.compareWith.filter((k) => k !== scenario.job.keys)];
  say(`fedrisk · scenario "${scenario.name}" · ${scenario.parties.length} parties · alignment ${scenario.job.alignment} · keys ${designs.join(' vs ')}`);
  const prep = await prepare(scenario, opts.scenarioFile, runsDir, startedAt, say);
  const results: DesignResult[] = [];
  let trainingReport: TrainingReport | undefined;
  let modelFiles: Map<string, string> | undefined;
  if (scenario.train) {
    const tr = await runJob(scenario, prep, 'single-holder', opts, say, { kind: 'training' });
    if (!tr.ok) {
      results.push(tr);
    } else {
      modelFiles = new Map(scenario.parties.map((p) => [p.id, join(prep.runDir, 'jobs', 'training', 'parties', p.id, 'out', 'model.json')]));
      say('  verify    referee trains the same model centrally and on the bank alone, in plaintext ...');
      trainingReport = evaluateTraining(scenario, prep, modelFiles, tr);
    }
  }
  for (const keys of designs) {
    if (opts.signal?.aborted || (scenario.train && !modelFiles)) break;
    results.push(await runJob(scenario, prep, keys, opts, say, { kind: 'scoring', ...(modelFiles ? { modelFiles } : {}) }));
  }
  const primary = results[0] as DesignResult;
  const slots = scenario.crypto.ckks.polyModulusDegree / 2;
  const report: Report = {
    version: 1,
    ...primary,
    runId: prep.runId,
    startedAt: startedAt.toISOString(),
    scenario: {
      network: scenario.network,
      name: scenario.name,
      file: opts.scenarioFile,
      seed: scenario.seed,
      keys: scenario.job.keys,
      alignment: scenario.job.alignment,
      parties: scenario.parties,
    },
    businesses: {
      population: prep.size,
      scored: primary.verification?.scored ?? 0,
      perParty: Object.fromEntries(scenario.parties.map((p) => [p.id, { rows: prep.rows.get(p.id) ?? 0, gaps: primary.verification?.gaps[p.id] ?? 0 }])),
    },
    crypto: { scheme: 'CKKS', ...scenario.crypto.ckks, slotsPerCiphertext: slots, ciphertextsPerParty: Math.ceil(prep.applicants.length / slots) },
    designs: results,
    ...(trainingReport ? { training: trainingReport } : {}),
    scorecard: { ...scenario.scorecard, ...scorecardMapping(scenario.scorecard) },
    data: { source: prep.source, records: prep.size, dropped: prep.dropped },
    totalMs: performance.now() - t0,
    dataMs: prep.dataMs,
  };
  writeFileSync(join(prep.runDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  const latest = join(runsDir, 'latest');
  mkdirSync(latest, { recursive: true });
  copyFileSync(join(prep.runDir, 'report.json'), join(latest, 'report.json'));
  writeFileSync(join(latest, 'RUN'), `${prep.runId}\n`);
  for (const line of summarise(report, relative(process.cwd(), prep.runDir) || prep.runDir)) say(line);
  return { ok: report.ok, runDir: prep.runDir, report };
}

export function summarise(r: Report, runDir: string): string[] {
  const out: string[] = [''];
  const a = r.alignment;
  const alignLine = () => {
    const holders = Object.entries(a.holders);
    if (a.mode === 'query') {
      out.push(
        `  alignment query: every holder received all ${a.applicants} applicant ids (${holders.map(([id, h]) => `${id}: ${h.holderLearnedOthersApplicants} it had no record of`).join(', ')})`,
      );
    } else if (a.mode === 'psi') {
      out.push(
        `  alignment psi: ${holders.map(([id, h]) => `${id} learned ${h.holderLearnedIntersection} of its customers are applicants`).join(', ')}; no raw id crossed the wire`,
      );
    } else {
      out.push(
        `  alignment psi-cardinality: the bank learned only overlap sizes: ${holders.map(([id, h]) => `${id} ${h.recipientLearned} (true ${h.trueIntersection})`).join(', ')}`,
      );
    }
  };
  if (!r.ok) {
    out.push(`FAILED (${r.keys}): ${r.error?.code}: ${r.error?.message}`);
    for (const x of r.refusals) out.push(`  refused by ${x.party}: ${x.code}`);
  } else if (a.mode === 'psi-cardinality') {
    out.push(`Aligned ${a.applicants} applicants with ${Object.keys(a.holders).length} holders by PSI; nothing was scored (psi-cardinality).`);
    alignLine();
    out.push(`  cost      ${(r.timings.jobMs / 1000).toFixed(1)} s for the job · ${kb(r.bytesOnWire)} on the wire`);
  } else if (r.verification) {
    const v = r.verification;
    const coord = r.ledger.coordinator?.received;
    out.push(
      `Scored ${v.scored} businesses jointly (keys: ${r.keys}); ${v.defaults} of them default in the hidden labels (${(100 * v.defaultRate).toFixed(1)} %).`,
    );
    const target = r.threshold ? r.threshold.targetMaxError : 1e-6;
    out.push(`  accuracy  max |logit error| vs plaintext ${v.maxAbsLogitError.toExponential(1)} (target <= ${target.toExponential(0)})`);
    if (r.threshold)
      out.push(
        `  smudging  noise bound 2^${r.threshold.noiseBoundBits}, smudging sigma 2^${r.threshold.smudgingBits} per party: ${r.threshold.marginBits}-bit margin`,
      );
    alignLine();
    out.push(`  sharing   AUC ${v.auc.toFixed(3)} joint vs ${v.bankOnlyAuc.toFixed(3)} bank alone · KS ${v.ks.toFixed(3)} vs ${v.bankOnlyKs.toFixed(3)}`);
    out.push(
      `  cost      ${(r.timings.jobMs / 1000).toFixed(1)} s for the job (${(r.timings.afterJoinMs / 1000).toFixed(1)} s after everyone joined) · ${kb(r.bytesOnWire)} on the wire`,
    );
    if (coord) {
      out.push(
        `  privacy   the coordinator received ${coord.businessIds} business ids, ${coord.publicKeys + coord.publicKeyShares} public key(s)/share(s), ${coord.ciphertexts} ciphertexts, ${coord.sealedDecryptionShares} sealed shares, ${coord.plaintextValues} plaintext values, ${coord.secretKeys} secret keys`,
      );
    }
    const gaps = Object.entries(r.businesses.perParty).filter(([, p]) => p.gaps > 0);
    if (gaps.length) out.push(`  gaps      ${gaps.map(([id, p]) => `${id} ${p.gaps}`).join(' · ')} applicants without a record (neutral contribution)`);
  }
  const t = r.training;
  if (t) {
    const last = t.epochs[t.epochs.length - 1];
    out.push(
      `  training  ${t.epochs.length} epoch(s), ${t.secondsPerEpoch.toFixed(1)} s each (plaintext ${t.plaintextSecondsPerEpoch.toFixed(3)} s), final loss ${last?.loss.toFixed(4) ?? '-'}; test AUC federated ${t.federated.testAuc.toFixed(3)} · centralised ${t.centralised.testAuc.toFixed(3)} · bank alone ${t.bankOnly.testAuc.toFixed(3)}`,
    );
  }
  out.push(
    `  scorecard ${r.scorecard.baseScore} points at odds ${r.scorecard.baseOdds}:1, ${r.scorecard.pdo} points to double the odds (score = ${r.scorecard.offset.toFixed(1)} - ${r.scorecard.factor.toFixed(2)} x logit)`,
  );
  if (r.designs.length > 1) {
    out.push('  designs   keys            ok    job s   after join s   on the wire   max error');
    for (const d of r.designs) {
      out.push(
        `            ${d.keys.padEnd(15)} ${String(d.ok).padEnd(5)} ${(d.timings.jobMs / 1000).toFixed(1).padStart(5)}   ${(d.timings.afterJoinMs / 1000).toFixed(1).padStart(12)}   ${kb(d.bytesOnWire).padStart(11)}   ${d.verification ? d.verification.maxAbsLogitError.toExponential(1) : d.error?.code}`,
      );
    }
  }
  out.push(`  report    ${runDir}/report.json`);
  return out;
}

function readModel(file: string): NodeConfig['model'] {
  return partyModelSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
}

function readLabelsCsv(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const { text: row } of csvLines(text).slice(1)) {
    const cells = splitCsvLine(row) ?? [];
    out.set(cells[0] as string, Number(cells[cells.length - 1]));
  }
  return out;
}

/**
 * The referee's check of joint training: the same algorithm (Taylor residual,
 * same batches, rates and stopping rule) trained centrally in plaintext on all
 * columns, and on the bank's columns alone; train and test AUC and KS of all three.
 */
function evaluateTraining(scenario: Scenario, prep: Prepared, modelFiles: Map<string, string>, job: DesignResult): TrainingReport {
  const params = scenario.train as NonNullable<Scenario['train']>;
  const tables = new Map(
    scenario.parties.map((p) => [
      p.id,
      parsePartyCsv(readFileSync(join(prep.dataDir, `${p.id}.csv`), 'utf8'), prep.schemas.get(p.id) as TableSchema, `${p.id}.csv`),
    ]),
  );
  const models = new Map(scenario.parties.map((p) => [p.id, scenario.model[p.id] as NodeConfig['model']]));
  const trained = new Map(scenario.parties.map((p) => [p.id, readModel(modelFiles.get(p.id) as string)]));
  const yOf = (ids: readonly string[]) => Float64Array.from(ids, (id) => prep.labels.get(id) ?? 0);
  const yTrain = yOf(prep.trainIds);
  const yTest = yOf(prep.applicants);
  const quality = (score: (ids: readonly string[]) => Float64Array): ModelQuality => {
    const tr = score(prep.trainIds);
    const te = score(prep.applicants);
    return { trainAuc: auc(tr, yTrain), testAuc: auc(te, yTest), trainKs: ks(tr, yTrain), testKs: ks(te, yTest) };
  };
  const federatedScore = (ids: readonly string[]) => {
    const out = new Float64Array(ids.length);
    for (const [id, m] of trained) {
      const { values } = partialLogitsFor(tables.get(id) as PartyTable, m, ids);
      for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + (values[i] as number);
    }
    return out;
  };
  const plainModel = (parties: readonly string[]) => {
    const cols = (ids: readonly string[]) =>
      parties.flatMap((id) => modelColumnsFor(tables.get(id) as PartyTable, models.get(id) as NodeConfig['model'], ids).columns);
    const trainColumns = cols(prep.trainIds);
    const t0 = performance.now();
    const fit = trainTaylorLR(trainColumns, yTrain, params);
    const ms = (performance.now() - t0) / fit.epochs.length;
    const score = (ids: readonly string[]) => {
      const c = cols(ids);
      return Float64Array.from(ids, (_, i) => c.reduce((s, col, j) => s + (fit.weights[j] as number) * (col[i] as number), fit.intercept));
    };
    return { fit, ms, score };
  };
  const all = plainModel(scenario.parties.map((p) => p.id));
  const bankOnly = plainModel([scenario.job.recipient]);
  // federated weights in the centralised order, to compare them one by one
  const fedWeights = scenario.parties.flatMap((p) => {
    const t = trained.get(p.id) as NodeConfig['model'];
    return Object.values(t.features).flatMap((fw) => (fw.transform === 'onehot' ? Object.values(fw.weights) : [fw.weight]));
  });
  let maxDiff = Math.abs((trained.get(scenario.job.recipient)?.intercept ?? 0) - all.fit.intercept);
  fedWeights.forEach((w, j) => {
    maxDiff = Math.max(maxDiff, Math.abs(w - (all.fit.weights[j] as number)));
  });
  const bankSummary = readJson<{ epochs?: { epoch: number; loss: number; ms: number }[] }>(
    join(prep.runDir, 'jobs', 'training', 'parties', scenario.job.recipient, 'out', 'summary.json'),
  );
  const epochs = bankSummary?.epochs ?? [];
  return {
    params,
    trainRows: prep.trainIds.length,
    testRows: prep.applicants.length,
    epochs,
    secondsPerEpoch: epochs.length ? epochs.reduce((t, e) => t + e.ms, 0) / epochs.length / 1000 : Number.NaN,
    plaintextSecondsPerEpoch: all.ms / 1000,
    federated: quality(federatedScore),
    centralised: quality(all.score),
    bankOnly: quality(bankOnly.score),
    maxWeightDifference: maxDiff,
    ledger: job.ledger,
    timings: job.timings,
    bytesOnWire: job.bytesOnWire,
  };
}
