/**
 * Runs a scenario end to end: makes the data, starts the coordinator and one
 * process per party on 127.0.0.1, follows the job, stops everything, lets the
 * referee verify the result and writes report.json into a run folder.
 */
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import {
  asFedError,
  type CoordinatorConfig,
  FedError,
  type KnowledgeCounts,
  type LinkCount,
  type NodeConfig,
  type ProcessEvent,
  type Scenario,
  type WireError,
} from '@fedrisk/shared';
import { type Child, COORDINATOR_BIN, NODE_BIN, startChild, stopChildren } from './processes.ts';
import { readLabels, readScores, type Verification, verify } from './referee.ts';
import { generatePopulation, partyCsv, pickApplicants, populationCsv } from './synthetic.ts';

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
}

export interface Report {
  version: 1;
  ok: boolean;
  error?: WireError;
  runId: string;
  startedAt: string;
  scenario: { name: string; file: string; seed: number; design: string; parties: { id: string; role: string; coverage: number }[] };
  businesses: { population: number; scored: number; perParty: Record<string, { rows: number; gaps: number }> };
  verification?: Verification;
  crypto: {
    scheme: 'CKKS';
    polyModulusDegree: number;
    coeffModulusBits: number[];
    scaleBits: number;
    compression: string;
    slotsPerCiphertext: number;
    ciphertextsPerParty: number;
  };
  phases: { name: string; ms: number }[];
  links: LinkCount[];
  bytesOnWire: number;
  ledger: Record<string, LedgerEntry>;
  keyCustody: { participant: string; holds: string[] }[];
  refusals: { party: string; code: string; message: string }[];
  timings: { totalMs: number; dataMs: number; jobMs: number; perParty: Record<string, Record<string, number>> };
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

export async function runScenario(opts: RunOptions): Promise<RunResult> {
  const { scenario } = opts;
  const say = opts.onLine ?? (() => {});
  const t0 = performance.now();
  const startedAt = new Date();
  const runsDir = resolve(opts.runsDir ?? 'runs');
  let runId = `${stamp(startedAt)}-${scenario.name}`;
  for (let k = 2; existsSync(join(runsDir, runId)); k++) runId = `${stamp(startedAt)}-${scenario.name}-${k}`;
  const runDir = join(runsDir, runId);
  const dataDir = join(runDir, 'data');
  const logDir = join(runDir, 'logs');
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(logDir, { recursive: true });
  const recipient = scenario.job.recipient;
  say(`fedrisk · scenario "${scenario.name}" · ${scenario.parties.length} parties · design ${scenario.job.design}`);

  // 1. data: each party's own file; ground truth only for the referee
  const td = performance.now();
  say(`  data      generating ${scenario.data.businesses} synthetic businesses (seed ${scenario.seed}) ...`);
  const pop = generatePopulation({
    seed: scenario.seed,
    businesses: scenario.data.businesses,
    defaultRate: scenario.data.defaultRate,
    labelNoise: scenario.data.labelNoise,
    parties: scenario.parties,
  });
  const partyDirs = new Map<string, string>();
  for (const p of scenario.parties) {
    const dir = join(runDir, 'parties', p.id);
    mkdirSync(dir, { recursive: true });
    partyDirs.set(p.id, dir);
    writeFileSync(join(dataDir, `${p.id}.csv`), partyCsv(pop, p.id, p.role));
  }
  const applicants = pickApplicants(pop, recipient, scenario.job.applicants, scenario.seed);
  writeFileSync(join(partyDirs.get(recipient) as string, 'applicants.txt'), `${applicants.join('\n')}\n`);
  mkdirSync(join(runDir, 'referee'), { recursive: true });
  writeFileSync(join(runDir, 'referee', 'population.csv'), populationCsv(pop));
  const dataMs = performance.now() - td;
  say(
    `  data      ${scenario.parties.map((p) => `${p.id} ${pop.members.get(p.id)?.length ?? 0} rows`).join(' · ')} · ${applicants.length} applicants (${dataMs.toFixed(0)} ms)`,
  );

  // 2. credentials and per-process configs: each party's config holds only its own slice
  const tokens = new Map(scenario.parties.map((p) => [p.id, randomBytes(24).toString('base64url')]));
  const jobId = `job-${runId.replace(/[^A-Za-z0-9_-]/g, '-')}`.slice(0, 64);
  const coordinatorConfig: CoordinatorConfig = {
    jobId,
    design: scenario.job.design,
    keyHolder: recipient,
    recipient,
    ckks: scenario.crypto.ckks,
    parties: scenario.parties.map((p) => ({
      id: p.id,
      role: p.role,
      tokenSha256: createHash('sha256')
        .update(tokens.get(p.id) as string)
        .digest('hex'),
    })),
    timeouts: scenario.timeouts,
  };
  const coordinatorDir = join(runDir, 'coordinator');
  mkdirSync(coordinatorDir, { recursive: true });
  writeFileSync(join(coordinatorDir, 'config.json'), `${JSON.stringify(coordinatorConfig, null, 2)}\n`);
  for (const p of scenario.parties) {
    const dir = partyDirs.get(p.id) as string;
    const fault = scenario.faults.find((f) => f.party === p.id);
    const cfg: NodeConfig = {
      party: p.id,
      role: p.role,
      data: join(dataDir, `${p.id}.csv`),
      model: scenario.model[p.id] as NodeConfig['model'],
      ...(p.id === recipient ? { scorecard: scenario.scorecard, applicants: join(dir, 'applicants.txt') } : {}),
      outDir: join(dir, 'out'),
      ...(fault ? { fault: { crashAt: fault.crashAt } } : {}),
    };
    writeFileSync(join(dir, 'config.json'), `${JSON.stringify(cfg, null, 2)}\n`);
  }

  // 3. processes
  const children: Child[] = [];
  const trace: string[] = [];
  const tj = performance.now();
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
        if (opts.trace) say(`    ${e.at.toFixed(0).padStart(6)} ms  ${e.from.padStart(11)} → ${e.to.padEnd(11)} ${e.type.padEnd(14)} ${e.summary}`);
        return;
      case 'joined':
        say(`  join      ${e.party} joined`);
        return;
      case 'phase':
        say(`  ${e.name.padEnd(9)} done in ${e.ms.toFixed(0)} ms`);
        return;
      case 'progress': {
        const key = `${e.party}:${e.step}`;
        const shown = progressShown.get(key) ?? -1;
        if (e.step === 'load') say(`  load      ${e.party} loaded and checked ${e.total} own rows`);
        else if (e.done === e.total || e.done - shown >= Math.max(1, Math.ceil(e.total / 4))) {
          progressShown.set(key, e.done);
          say(`  ${e.step.padEnd(9)} ${e.party} ${e.done}/${e.total} ciphertexts`);
        }
        return;
      }
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
    ...(opts.captureFrames ? { FEDRISK_CAPTURE_DIR: join(runDir, 'capture') } : {}),
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
      const dir = partyDirs.get(p.id) as string;
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
    const nodeChildren = children.slice(1);
    const earlyExit = Promise.race(
      nodeChildren.map(async (c) => {
        const code = await c.exited;
        if (code === 2) return c;
        return undefined;
      }),
    );
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
        { details: { party: first.name } },
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
  const jobMs = performance.now() - tj;
  writeFileSync(join(runDir, 'trace.jsonl'), trace.length ? `${trace.join('\n')}\n` : '');

  // 4. collect what each process recorded, then let the referee verify
  const record = readJson<JobRecordFile>(recordFile);
  if (!failure && record && !record.ok && record.error) failure = new FedError(record.error.code, record.error.message);
  if (!failure && !record)
    failure = new FedError('RUN_ERR_PROCESS', `the coordinator wrote no job record: ${coordinator.lastFatal?.message ?? coordinator.stderrTail()}`);
  const summaries = new Map<string, NodeSummaryFile>();
  for (const p of scenario.parties) {
    const s = readJson<NodeSummaryFile>(join(partyDirs.get(p.id) as string, 'out', 'summary.json'));
    if (s) summaries.set(p.id, s);
  }
  let verification: Verification | undefined;
  if (!failure) {
    try {
      say('  verify    referee recomputes every score in plaintext ...');
      verification = await verify({
        parties: scenario.parties.map((p) => ({
          id: p.id,
          role: p.role,
          dataFile: join(dataDir, `${p.id}.csv`),
          model: scenario.model[p.id] as NodeConfig['model'],
        })),
        recipient,
        applicants,
        labels: await readLabels(join(runDir, 'referee', 'population.csv')),
        scores: await readScores(join(partyDirs.get(recipient) as string, 'out', 'scores.csv')),
      });
    } catch (err) {
      failure = asFedError(err, 'RUN_ERR_PROCESS', 'verification failed');
    }
  }
  const slots = scenario.crypto.ckks.polyModulusDegree / 2;
  const ledger: Record<string, LedgerEntry> = {};
  if (record) ledger.coordinator = record.ledger;
  for (const [id, s] of summaries) ledger[id] = s.ledger;
  const links = record?.links ?? [];
  const report: Report = {
    version: 1,
    ok: !failure,
    ...(failure ? { error: failure.toWire() } : {}),
    runId,
    startedAt: startedAt.toISOString(),
    scenario: { name: scenario.name, file: opts.scenarioFile, seed: scenario.seed, design: scenario.job.design, parties: scenario.parties },
    businesses: {
      population: scenario.data.businesses,
      scored: verification?.scored ?? 0,
      perParty: Object.fromEntries(
        scenario.parties.map((p) => [p.id, { rows: pop.members.get(p.id)?.length ?? 0, gaps: verification?.gaps[p.id] ?? summaries.get(p.id)?.gaps ?? 0 }]),
      ),
    },
    ...(verification ? { verification } : {}),
    crypto: { scheme: 'CKKS', ...scenario.crypto.ckks, slotsPerCiphertext: slots, ciphertextsPerParty: Math.ceil(applicants.length / slots) },
    phases: record?.phases ?? [],
    links,
    bytesOnWire: links.reduce((s, l) => s + l.bytes, 0),
    ledger,
    keyCustody: [
      { participant: 'coordinator', holds: record?.keyMaterial ?? [] },
      ...scenario.parties.map((p) => ({ participant: p.id, holds: p.id === recipient ? ['secret key', 'public key'] : ['public key'] })),
    ],
    refusals: record?.refusals ?? [],
    timings: { totalMs: performance.now() - t0, dataMs, jobMs, perParty: Object.fromEntries([...summaries].map(([id, s]) => [id, s.timings])) },
  };
  writeFileSync(join(runDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  const latest = join(runsDir, 'latest');
  mkdirSync(latest, { recursive: true });
  copyFileSync(join(runDir, 'report.json'), join(latest, 'report.json'));
  writeFileSync(join(latest, 'RUN'), `${runId}\n`);

  for (const line of summarise(report, relative(process.cwd(), runDir) || runDir)) say(line);
  return { ok: report.ok, runDir, report };
}

export function summarise(r: Report, runDir: string): string[] {
  const out: string[] = [''];
  if (!r.ok) {
    out.push(`FAILED: ${r.error?.code}: ${r.error?.message}`);
    for (const x of r.refusals) out.push(`  refused by ${x.party}: ${x.code}`);
  } else if (r.verification) {
    const v = r.verification;
    const coord = r.ledger.coordinator?.received;
    out.push(`Scored ${v.scored} businesses jointly; ${v.defaults} of them default in the hidden labels (${(100 * v.defaultRate).toFixed(1)} %).`);
    out.push(`  accuracy  max |logit error| vs plaintext ${v.maxAbsLogitError.toExponential(1)} (target <= 1e-6)`);
    out.push(`  sharing   AUC ${v.auc.toFixed(3)} joint vs ${v.bankOnlyAuc.toFixed(3)} bank alone · KS ${v.ks.toFixed(3)} vs ${v.bankOnlyKs.toFixed(3)}`);
    out.push(`  cost      ${(r.timings.jobMs / 1000).toFixed(1)} s for the job · ${kb(r.bytesOnWire)} on the wire`);
    if (coord)
      out.push(
        `  privacy   the coordinator received ${coord.businessIds} business ids, ${coord.publicKeys} public key(s), ${coord.ciphertexts} ciphertexts, ${coord.plaintextValues} plaintext values, ${coord.secretKeys} secret keys`,
      );
    const gaps = Object.entries(r.businesses.perParty).filter(([, p]) => p.gaps > 0);
    if (gaps.length) out.push(`  gaps      ${gaps.map(([id, p]) => `${id} ${p.gaps}`).join(' · ')} applicants without a record (neutral contribution)`);
  }
  out.push(`  report    ${runDir}/report.json`);
  return out;
}
