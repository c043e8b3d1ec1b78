/**
 * The bank-alone baseline: a logistic regression on the recipient's own
 * columns, fitted by the referee out of sample, never on the applicants it is
 * scored on. Synthetic data without training: on the recipient's customers in
 * a population drawn with another seed (as the scenario's joint weights were
 * fitted); a trained scenario: on the training rows; real data without
 * training: on the recipient's records that are not applicants.
 */
import { Worker } from 'node:worker_threads';
import {
  asFedError,
  completeModel,
  FedError,
  modelColumnsFor,
  modelFromSpec,
  type PartyModel,
  type PartyTable,
  parsePartyCsv,
  type Scenario,
  type TableSchema,
  type WireError,
} from '@fedrisk/shared';
import { type Labels, makeDataSet } from './dataset.ts';
import type { Prepared } from './prepare.ts';
import { fitLogistic } from './stats.ts';

export interface BankBaseline {
  /** what the baseline was fitted on */
  basis: 'another-seed' | 'training-rows' | 'non-applicants';
  /** the same, in words, for the summary and report */
  fittedOn: string;
  rows: number;
  positives: number;
  /** the population seed it was fitted on (basis another-seed) */
  seed?: number;
  /** undefined when the rows hold too few defaults (or non-defaults) to fit */
  fit?: { intercept: number; weights: number[] };
  /** the recipient's features and transforms the fit is over (its weights are not used) */
  model: PartyModel;
}

/** The report's account of the baseline (no weights). */
export type BaselineBasis = Omit<BankBaseline, 'fit' | 'model'>;

const MIN_CLASS = 5;
/** the most businesses the another-seed population for the baseline has */
const BASELINE_MAX = 200_000;

/** Another seed for the baseline's population, different from the scenario's. */
export function baselineSeed(seed: number): number {
  return (seed + 1) >>> 0;
}

/** Whether the baseline is fitted on a population of its own (synthetic data, no training): it then needs nothing of the run's data. */
function baselineOnAnotherSeed(scenario: Scenario): boolean {
  return !scenario.train && scenario.data.kind === 'synthetic';
}

/**
 * The synthetic baseline: the recipient's customers in a population drawn with another seed,
 * at most BASELINE_MAX businesses (plenty for a handful of weights). It depends on the scenario
 * alone, so it can be fitted while the run's own world is still being generated.
 */
export async function fitAnotherSeedBaseline(scenario: Scenario, scenarioFile: string): Promise<BankBaseline> {
  const recipient = scenario.job.recipient;
  const seed = baselineSeed(scenario.seed);
  const sized = structuredClone(scenario);
  if (sized.data.kind === 'synthetic') sized.data.businesses = Math.min(sized.data.businesses, BASELINE_MAX);
  const other = await makeDataSet(sized, scenarioFile, seed);
  const table = parsePartyCsv((other.files.get(recipient) as () => string)(), other.schemas.get(recipient) as TableSchema, `${recipient}.csv (seed ${seed})`);
  const head = { basis: 'another-seed' as const, fittedOn: `${recipient}'s customers in a population drawn with seed ${seed}`, seed };
  return fitOn(table, table.ids, other.labels, head, specModel(scenario));
}

/**
 * From how many businesses the another-seed baseline is fitted in a worker thread. Below it the
 * fit takes a fraction of a second in the main thread, less than a worker costs to start
 * (measured: 0.65 s and 0.9 s of CPU at 3,000 businesses, mostly loading modules).
 */
const WORKER_FROM = 100_000;

/** Whether a run fits its baseline in a worker thread, beside its own data generation. */
export function baselineAside(scenario: Scenario): boolean {
  return baselineOnAnotherSeed(scenario) && scenario.data.kind === 'synthetic' && scenario.data.businesses >= WORKER_FROM;
}

/** A baseline being fitted in a worker thread; close() ends the worker if the run no longer needs it. */
export interface EarlyBaseline extends AsyncDisposable {
  result: Promise<BankBaseline>;
  close(): Promise<void>;
}

/**
 * Fits the another-seed baseline in a worker thread, on the core the run's own data generation
 * leaves idle (at a million businesses it saves the runner about three seconds). The worker
 * starts at once; close() ends it.
 */
export function baselineInWorker(scenario: Scenario, scenarioFile: string): EarlyBaseline {
  const worker = new Worker(new URL('./baseline-worker.ts', import.meta.url), { workerData: { scenario, scenarioFile } });
  const result = new Promise<BankBaseline>((resolve, reject) => {
    worker.once('message', (m: { ok: true; baseline: BankBaseline } | { ok: false; error: WireError }) =>
      m.ok ? resolve(m.baseline) : reject(FedError.fromWire(m.error)),
    );
    worker.once('error', (err) => reject(asFedError(err, 'RUN_ERR_PROCESS', 'the bank-alone baseline failed')));
    worker.once('exit', (code) => reject(new FedError('RUN_ERR_PROCESS', `the bank-alone baseline's worker exited (${code}) before it answered`)));
  });
  // a run that fails before it needs the baseline leaves no unhandled rejection behind
  result.catch(() => {});
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= worker.terminate().then(() => undefined);
    return closed;
  };
  return { result, close, [Symbol.asyncDispose]: close };
}

/** The recipient's model as the scenario gives it (its weights are not used, only its features and transforms). */
const specModel = (scenario: Scenario) => modelFromSpec(scenario.model[scenario.job.recipient] ?? { intercept: 0 }, scenario.job.recipient);

export async function fitBankBaseline(scenario: Scenario, scenarioFile: string, prep: Prepared): Promise<BankBaseline> {
  const recipient = scenario.job.recipient;
  if (baselineOnAnotherSeed(scenario)) return fitAnotherSeedBaseline(scenario, scenarioFile);
  let table: PartyTable;
  let ids: readonly string[];
  let labels: Labels;
  let head: Pick<BankBaseline, 'basis' | 'fittedOn' | 'seed'>;
  if (scenario.train) {
    table = await prep.tableOf(recipient);
    ids = prep.trainIds;
    labels = prep.labels;
    head = { basis: 'training-rows', fittedOn: `the ${prep.trainIds.length} training rows` };
  } else {
    table = await prep.tableOf(recipient);
    const applicants = new Set(prep.applicants);
    ids = (prep.members.get(recipient)?.ids ?? []).filter((id) => !applicants.has(id));
    labels = prep.labels;
    head = { basis: 'non-applicants', fittedOn: `${recipient}'s ${ids.length} records that are not applicants` };
  }
  // a trained scenario's structure comes from this run's own table, as the bank's node completed it
  const model = scenario.train
    ? completeModel(
        table,
        (prep.schemas.get(recipient) as TableSchema).columns.map((c) => c.name),
        scenario.model[recipient],
        recipient,
      )
    : specModel(scenario);
  return fitOn(table, ids, labels, head, model);
}

/** The fit itself, on the recipient's columns of the given rows. */
function fitOn(
  table: PartyTable,
  ids: readonly string[],
  labels: Labels,
  head: Pick<BankBaseline, 'basis' | 'fittedOn' | 'seed'>,
  model: PartyModel,
): BankBaseline {
  const y = Uint8Array.from(ids, (id) => labels.get(id) ?? 0);
  const positives = y.reduce((s, v) => s + v, 0);
  const base = { ...head, rows: ids.length, positives, model };
  if (positives < MIN_CLASS || ids.length - positives < MIN_CLASS) return base;
  return { ...base, fit: fitLogistic(modelColumnsFor(table, model, ids).columns, y) };
}

/** The baseline's logits for the given ids, from the recipient's own table of this run; NaN everywhere without a fit. */
export function baselineLogits(b: BankBaseline, table: PartyTable, ids: readonly string[]): Float64Array {
  const fit = b.fit;
  if (!fit) return new Float64Array(ids.length).fill(Number.NaN);
  const cols = modelColumnsFor(table, b.model, ids).columns;
  // a plain loop: Float64Array.from with a map function is several times slower at a million ids
  const out = new Float64Array(ids.length);
  for (let i = 0; i < out.length; i++) out[i] = cols.reduce((s, col, j) => s + (fit.weights[j] as number) * (col[i] as number), fit.intercept);
  return out;
}

export function basisOf(b: BankBaseline): BaselineBasis {
  const { fit: _fit, model: _model, ...rest } = b;
  return rest;
}
