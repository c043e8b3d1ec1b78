/**
 * Runs a scenario end to end, as a story: prepare the data once; train
 * jointly first if the scenario says so; run the scoring job once per key
 * design on the same data; let the referee verify; write report.json and end
 * with a short summary. Every job runs its participants through a launcher
 * (OS processes by default, or in this process).
 */
import { copyFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { attacker, mkdirPrivate, type PartySummary, readDecisionsCsv, type Scenario, scorecardMapping, writePrivateFile } from '@fedrisk/shared';
import { baselineAside, baselineInWorker, type EarlyBaseline, fitBankBaseline } from './baseline.ts';
import { type ReasonsReport, reasonsStage } from './decisions/quality.ts';
import { prepareGovernance } from './governance/prepare.ts';
import { governanceStage, type RunGovernanceReport } from './governance/stage.ts';
import { jobName } from './job-config.ts';
import { attackResult } from './jobs/attacks.ts';
import { refereeModels, scoringResult } from './jobs/scoring.ts';
import { designSummary, evaluateTraining, trainedModelFiles, trainingCosts } from './jobs/training.ts';
import { inProcessLauncher } from './launch/in-process.ts';
import type { Launcher } from './launch/launcher.ts';
import { processLauncher } from './launch/processes.ts';
import { portfolioStage } from './portfolio/stage.ts';
import type { PortfolioReport } from './portfolio/types.ts';
import { checkMacroNames } from './portfolio/world.ts';
import { prepare } from './prepare.ts';
import type { TraceFilter } from './progress.ts';
import { commonResult } from './report/assemble.ts';
import type { DesignResult, Report, RunResult, TrainingDesign, TrainingReport } from './report/types.ts';
import { type JobRun, type RunJobOptions, runJob } from './run-job.ts';
import { summarise } from './summary.ts';
import { fitLine } from './text.ts';
import { establishTrust } from './trust.ts';
import { liveRun } from './view/live.ts';
import type { ReplayTarget } from './view/replay.ts';
import { renderReportHtml } from './view/report-html.ts';
import { reportInputOf } from './view/run-data.ts';

export interface RunOptions {
  scenario: Scenario;
  scenarioFile: string;
  /** folder that receives run folders (default: runs) */
  runsDir?: string;
  /** print every protocol message as it crosses the coordinator */
  trace?: boolean | TraceFilter;
  /** capture every raw frame each participant receives (privacy tests) */
  captureFrames?: boolean;
  logLevel?: string;
  /** how participants run: separate OS processes (default) or inside this process */
  launcher?: 'processes' | 'in-process' | Launcher;
  signal?: AbortSignal;
  /** human-readable progress lines */
  onLine?: (line: string) => void;
  /** long steps' progress (encrypting, decrypting), for a terminal's progress bar; without it, plain lines */
  onProgress?: (participant: string, step: string, done: number, total: number) => void;
  /** the live view (createViewServer) follows the run as it happens, and holds it at its stepper */
  view?: ReplayTarget;
}

function launcherOf(choice: RunOptions['launcher']): Launcher {
  if (choice === 'in-process') return inProcessLauncher();
  if (choice === undefined || choice === 'processes') return processLauncher();
  return choice;
}

export async function runScenario(opts: RunOptions): Promise<RunResult> {
  const launcher = launcherOf(opts.launcher);
  const { scenario } = opts;
  const jobs = trainingDesignsOf(scenario).length + designsOf(scenario).length * defenceVariantsOf(scenario).length;
  const ahead = standbyAhead(launcher, ['coordinator', ...scenario.parties.map((p) => p.id)], jobs);
  // a large baseline that needs nothing of the run's data is fitted on the other core while the data is made
  const early = baselineAside(scenario) ? baselineInWorker(scenario, opts.scenarioFile) : undefined;
  try {
    return await runWith(opts, launcher, ahead, early);
  } finally {
    await Promise.all([launcher.close?.(), early?.close()]);
  }
}

const designsOf = (scenario: Scenario) => [scenario.job.keys, ...scenario.job.compareWith.filter((k) => k !== scenario.job.keys)];
/** training runs under each design that has keys to train with, the scenario's own first */
const trainingDesignsOf = (scenario: Scenario) => (scenario.train ? designsOf(scenario).filter((k) => k === 'threshold' || k === 'single-holder') : []);
/** a staged attack runs with the defences on, off, or both, side by side */
const defenceVariantsOf = (scenario: Scenario) => (scenario.defences === 'both' ? [true, false] : [scenario.defences === 'on']);

interface StandbyAhead {
  /** the data is made: the first job's participants start, and load while the keys and authorisations are made */
  begin(): void;
  /** a job ended: the next one's participants start, and load while this process reads its results */
  jobDone(): void;
}

/**
 * Keeps the next job's participants started ahead of it (OS processes), never more than the
 * run's jobs. Only one job ahead, and only once the data is made: on two cores, standbys
 * loading any earlier take the core the runner's own work needs (measured: no gain).
 */
function standbyAhead(launcher: Launcher, names: string[], jobs: number): StandbyAhead {
  let started = 0;
  let done = 0;
  const fill = (): void => {
    for (; started < Math.min(done + 1, jobs); started++) launcher.standby?.(names);
  };
  return {
    begin: fill,
    jobDone: () => {
      done++;
      fill();
    },
  };
}

/** The run itself, with the next job's participants kept started ahead of it. */
async function runWith(opts: RunOptions, launcher: Launcher, ahead: StandbyAhead, early: EarlyBaseline | undefined): Promise<RunResult> {
  const { scenario } = opts;
  const onLine = opts.onLine ?? (() => {});
  // every console line of a run fits 100 columns
  const say = (line: string) => {
    for (const l of fitLine(line)) onLine(l);
  };
  const t0 = performance.now();
  const startedAt = new Date();
  const runsDir = resolve(opts.runsDir ?? 'runs');
  const designs = designsOf(scenario);
  checkMacroNames(scenario);
  say(`fedrisk · scenario "${scenario.name}" · ${scenario.parties.length} parties · alignment ${scenario.job.alignment} · keys ${designs.join(' vs ')}`);
  const prep = await prepare(scenario, opts.scenarioFile, runsDir, startedAt, say);
  ahead.begin();
  // every participant makes its identity key in its own process, while the runner signs the businesses' authorisations
  const [trust, governanceKeys] = await Promise.all([establishTrust(scenario, prep, launcher), prepareGovernance(scenario, prep, startedAt, launcher)]);
  trust.governance = governanceKeys;
  const governance = governanceStage(scenario, prep, trust, say);
  const live = opts.view && liveRun(opts.view, scenario, [...(scenario.train ? ['training'] : []), ...designs]);
  // the live view: once a job has ended, what each participant received and the key material each recorded
  const ended = (run: JobRun) => {
    if (!live) return;
    const { ledger, keyCustody } = commonResult(scenario, prep, run, []);
    live.endJob(ledger, keyCustody);
  };
  const jobOpts: RunJobOptions = {
    launcher,
    trace: opts.trace ?? false,
    captureFrames: opts.captureFrames ?? false,
    logLevel: opts.logLevel ?? 'info',
    signal: opts.signal,
    say,
    live,
    onProgress: opts.onProgress,
  };
  const results: DesignResult[] = [];
  let scoredBy: { keys: string; scoresFile: string; run: JobRun } | undefined;
  let training: TrainingReport | undefined;
  let modelFiles: Map<string, string> | undefined;
  const trainingDesigns: (TrainingDesign & { report?: TrainingReport })[] = [];
  if (scenario.train) {
    // training runs under each design, the scenario's own first; the scoring jobs use the first one's models
    for (const [i, keys] of trainingDesignsOf(scenario).entries()) {
      const who =
        keys === 'threshold'
          ? `every party holds a key share; nobody decrypts a residual, each gradient is decrypted to its owner alone`
          : `${scenario.job.recipient} holds the labels and the key`;
      say(`  job       joint training, keys ${keys}: ${who}; every party keeps its own weights`);
      const run = await runJob(scenario, prep, { kind: 'training', keys, defences: true, compare: i > 0 }, trust, jobOpts);
      ahead.jobDone();
      governance.afterJob(run);
      ended(run);
      if (run.failure) {
        if (i === 0) results.push({ keys, ok: false, error: run.failure.toWire(), ...commonResult(scenario, prep, run, prep.trainIds) });
        trainingDesigns.push({ keys, ok: false, error: run.failure.toWire(), ...trainingCosts(scenario, prep, run) });
        if (i === 0) break;
        continue;
      }
      say('  verify    referee trains the same model centrally and on the bank alone, in plaintext ...');
      const evaluated = await evaluateTraining(scenario, prep, run, keys);
      trainingDesigns.push({ keys, ok: true, ...trainingCosts(scenario, prep, run), report: evaluated.report });
      if (i === 0) {
        training = evaluated.report;
        modelFiles = trainedModelFiles(scenario, run);
      }
    }
    if (training) training.designs = trainingDesigns.map(({ report, ...rest }) => ({ ...rest, ...(report ? designSummary(report) : {}) }));
  }
  const tb = performance.now();
  const baseline = early ? await early.result : await fitBankBaseline(scenario, opts.scenarioFile, prep);
  say(
    `  baseline  bank alone fitted out of sample on ${baseline.fittedOn} (${early ? `alongside the data; waited ${(performance.now() - tb).toFixed(0)} ms` : `${(performance.now() - tb).toFixed(0)} ms`})`,
  );
  const attack = scenario.attacks[0];
  const variants = defenceVariantsOf(scenario);
  // PSI once per run: the later designs reuse the first one's alignment, each party from its own record
  let keep = scenario.job.alignment === 'psi' && scenario.job.reuseAlignment && !attack && designs.length * variants.length > 1;
  let aligned: JobRun | undefined;
  for (const keys of designs) {
    for (const defences of variants) {
      if (opts.signal?.aborted || (scenario.train && !modelFiles)) break;
      say(`  job       design ${keys}${defences ? '' : ', defences OFF'}: ${custodyLine(keys, scenario)}`);
      if (attack) say(`  attack    ${attacker(attack)} stages ${attack.kind}`);
      if (aligned) say(`  align     reused: each party takes its own record of the ${jobName(aligned.spec)} job's PSI alignment`);
      const spec = { kind: 'scoring' as const, keys, defences, modelFiles, keepAlignment: keep, reuseAlignment: aligned?.files };
      const run = await runJob(scenario, prep, spec, trust, jobOpts);
      ahead.jobDone();
      if (keep) {
        keep = false;
        if (!run.failure) aligned = run;
      }
      ended(run);
      const result = await scoringResult(scenario, prep, run, baseline, say);
      const gov = governance.afterJob(run);
      if (gov) result.governance = gov;
      results.push(attack ? { ...result, defences: defences ? 'on' : 'off', attack: await attackResult(scenario, prep, run, attack, result) } : result);
      // the portfolio lends on every applicant's score: not on a design run on a sample
      if (result.verification && !result.sample && !scoredBy)
        scoredBy = { keys, scoresFile: join(run.files.partyDir(scenario.job.recipient), 'out', 'scores.csv'), run };
    }
  }
  const governed = await governance.finish((label) =>
    runJob(scenario, prep, { kind: 'scoring', keys: designs[0] ?? 'threshold', defences: true, modelFiles, label }, trust, jobOpts),
  );
  let portfolio: PortfolioReport | undefined;
  let reasons: ReasonsReport | undefined;
  if (scoredBy) {
    const decisions = await readDecisionsCsv(join(dirname(scoredBy.scoresFile), 'decisions.csv'), prep.applicants);
    say(`  portfolio referee lends by the policy on the ${scoredBy.keys} scores and books the hidden outcomes ...`);
    const tp = performance.now();
    portfolio = await portfolioStage(scenario, prep, scoredBy, baseline, decisions);
    say(`  portfolio done in ${(performance.now() - tp).toFixed(0)} ms`);
    say("  reasons   referee ranks every rejected applicant's factors in plaintext, on all columns ...");
    reasons = await reasonsStage(
      scenario,
      prep,
      refereeModels(scenario, scoredBy.run),
      decisions,
      scoredBy.run.files,
      scoredBy.run.summaries.get(scenario.job.recipient) as PartySummary,
    );
  }
  const report = assembleReport(opts, prep.runId, startedAt, results, training, portfolio, reasons, governed, {
    population: prep.size,
    rows: prep.rows,
    applicants: prep.applicants.length,
    source: prep.source,
    dropped: prep.dropped,
    dataMs: prep.dataMs,
    totalMs: performance.now() - t0,
  });
  writePrivateFile(join(prep.runDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  // the same report as a page that opens offline, with its curves drawn
  writePrivateFile(join(prep.runDir, 'report.html'), renderReportHtml(reportInputOf(report)));
  const latest = join(runsDir, 'latest');
  mkdirPrivate(latest);
  copyFileSync(join(prep.runDir, 'report.json'), join(latest, 'report.json'));
  copyFileSync(join(prep.runDir, 'report.html'), join(latest, 'report.html'));
  writePrivateFile(join(latest, 'RUN'), `${prep.runId}\n`);
  for (const line of summarise(report, relative(process.cwd(), prep.runDir) || prep.runDir)) say(line);
  if (live) say(`  view      the live view held the run for ${(live.heldMs() / 1000).toFixed(1)} s in all; the times above include it`);
  return { ok: report.designs.every((d) => d.ok), runDir: prep.runDir, report };
}

interface RunFacts {
  population: number;
  rows: Map<string, number>;
  applicants: number;
  source: string;
  dropped: { line: number; column: string }[];
  dataMs: number;
  totalMs: number;
}

function assembleReport(
  opts: RunOptions,
  runId: string,
  startedAt: Date,
  results: DesignResult[],
  training: TrainingReport | undefined,
  portfolio: PortfolioReport | undefined,
  reasons: ReasonsReport | undefined,
  governance: RunGovernanceReport | undefined,
  f: RunFacts,
): Report {
  const { scenario } = opts;
  const primary = results[0] as DesignResult;
  const slots = scenario.crypto.ckks.polyModulusDegree / 2;
  return {
    version: 1,
    ...primary,
    runId,
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
      population: f.population,
      scored: primary.verification?.scored ?? 0,
      perParty: Object.fromEntries(scenario.parties.map((p) => [p.id, { rows: f.rows.get(p.id) ?? 0, gaps: primary.verification?.gaps[p.id] ?? 0 }])),
    },
    crypto: { scheme: 'CKKS', ...scenario.crypto.ckks, slotsPerCiphertext: slots, ciphertextsPerParty: Math.ceil(f.applicants / slots) },
    designs: results,
    ...(training ? { training } : {}),
    ...(results.some((r) => r.attack) ? { attacks: results.flatMap((r) => (r.attack ? [r.attack] : [])) } : {}),
    ...(portfolio ? { portfolio } : {}),
    ...(reasons ? { reasons } : {}),
    ...(governance ?? {}),
    scorecard: { ...scenario.scorecard, ...scorecardMapping(scenario.scorecard) },
    data: { source: f.source, records: f.population, dropped: f.dropped },
    totalMs: f.totalMs,
    dataMs: f.dataMs,
  };
}

/** Who holds what under a design, in one line of the console. */
function custodyLine(keys: Scenario['job']['keys'], scenario: Scenario): string {
  const recipient = scenario.job.recipient;
  if (keys === 'threshold') return `every party holds a key share; all ${scenario.parties.length} must take part to decrypt`;
  if (keys === 'plaintext') return 'no encryption: the coordinator reads every partial score (the cost floor)';
  if (keys === 'paillier') return `${recipient} holds the Paillier secret key; one ciphertext per value, on a sample of ${scenario.crypto.paillier.sample}`;
  return `${recipient} holds the only secret key`;
}
