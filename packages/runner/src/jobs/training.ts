/**
 * The runner's side of a training job: where each party's trained model
 * lies, and the referee's check of fidelity. It trains the same algorithm
 * (Taylor residual, same batches, rates and stopping rule) centrally in
 * plaintext on all columns, and on the bank's columns alone, and compares
 * train and test AUC and KS of all three.
 */
import { join } from 'node:path';
import {
  clipRows,
  completeModel,
  dpGradientSigma,
  dpSpent,
  FedError,
  type KeysDesign,
  modelColumnsFor,
  modelStructure,
  type PartyModel,
  type PartyTable,
  partialLogitsFor,
  partyModelSchema,
  readJsonFile,
  type Scenario,
  type TableSchema,
  trainTaylorLR,
} from '@fedrisk/shared';
import { computeCurves } from '../curves.ts';
import type { Prepared } from '../prepare.ts';
import { commonResult, ledgerOf } from '../report/assemble.ts';
import type { ModelQuality, TrainingDesign, TrainingReport } from '../report/types.ts';
import type { JobRun } from '../run-job.ts';
import { auc, ks } from '../stats.ts';

/** Each party's trained model, written by that party into its own folder of the training job. */
export function trainedModelFiles(scenario: Scenario, run: JobRun): Map<string, string> {
  return new Map(scenario.parties.map((p) => [p.id, join(run.files.partyDir(p.id), 'out', 'model.json')]));
}

export interface TrainingEvaluation {
  report: TrainingReport;
  /** the referee's bank-alone model (same algorithm, the bank's columns, the training rows): scores for any ids */
  bankOnly(ids: readonly string[]): Float64Array;
}

/** A training job's costs and custody, whatever its outcome: per epoch, and the key setup apart. */
export function trainingCosts(scenario: Scenario, prep: Prepared, run: JobRun): Omit<TrainingDesign, 'keys' | 'ok' | 'error'> {
  const epochs = run.summaries.get(scenario.job.recipient)?.epochs ?? [];
  const phases = run.record?.phases ?? [];
  const common = commonResult(scenario, prep, run, prep.trainIds);
  return {
    epochs: epochs.length,
    secondsPerEpoch: epochs.length ? epochs.reduce((t, e) => t + e.ms, 0) / epochs.length / 1000 : Number.NaN,
    bytesPerEpoch: epochs.length ? (phases.find((p) => p.name === 'train')?.bytes ?? Number.NaN) / epochs.length : Number.NaN,
    keySetupBytes: phases.find((p) => p.name === 'keys')?.bytes ?? Number.NaN,
    ledger: common.ledger,
    keyCustody: common.keyCustody,
  };
}

/** The figures of a design's training that sit side by side with the other designs'. */
export function designSummary(r: TrainingReport): Pick<TrainingDesign, 'testAuc' | 'centralisedTestAuc' | 'maxWeightDifference'> {
  return { testAuc: r.federated.testAuc, centralisedTestAuc: r.centralised.testAuc, maxWeightDifference: r.maxWeightDifference };
}

export async function evaluateTraining(scenario: Scenario, prep: Prepared, run: JobRun, keys: KeysDesign): Promise<TrainingEvaluation> {
  // threshold: the bank sees only the Taylor loss, so it stops on it; the referee's run of the same algorithm does too
  const lossKind = keys === 'threshold' ? 'taylor' : 'log';
  const params = scenario.train as NonNullable<Scenario['train']>;
  const modelFiles = trainedModelFiles(scenario, run);
  const tables = new Map<string, PartyTable>();
  for (const p of scenario.parties) tables.set(p.id, await prep.tableOf(p.id));
  const trained = new Map(scenario.parties.map((p) => [p.id, readJsonFile(modelFiles.get(p.id) as string, partyModelSchema, `${p.id}'s trained model`)]));
  // the referee completes each model the way its party had to, and trains its baselines on that structure
  const models = new Map<string, PartyModel>();
  for (const p of scenario.parties) {
    const schema = prep.schemas.get(p.id) as TableSchema;
    const mine = completeModel(
      tables.get(p.id) as PartyTable,
      schema.columns.map((c) => c.name),
      scenario.model[p.id],
      p.id,
    );
    const theirs = modelStructure(trained.get(p.id) as PartyModel);
    if (modelStructure(mine).join('\n') !== theirs.join('\n'))
      throw new FedError('JOB_ERR_MISMATCH', `${p.id}'s trained model has another structure than its scenario and data give: ${theirs.join('; ')}`);
    models.set(p.id, mine);
  }
  const yOf = (ids: readonly string[]) => Float64Array.from(ids, (id) => prep.labels.get(id) ?? 0);
  const yTrain = yOf(prep.trainIds);
  const yTest = yOf(prep.applicants);
  const quality = (score: (ids: readonly string[]) => Float64Array): ModelQuality => {
    const tr = score(prep.trainIds);
    const te = score(prep.applicants);
    // the test curves' AUC and KS are stats.ts's to the last digit: the test scores are sorted once
    const testCurves = computeCurves(te, yTest);
    return { trainAuc: auc(tr, yTrain), testAuc: testCurves.auc, trainKs: ks(tr, yTrain), testKs: testCurves.ks, testCurves };
  };
  const federatedScore = (ids: readonly string[]) => {
    const out = new Float64Array(ids.length);
    for (const [id, m] of trained) {
      const { values } = partialLogitsFor(tables.get(id) as PartyTable, m, ids);
      for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + (values[i] as number);
    }
    return out;
  };
  const plainModel = (parties: readonly string[], clip?: number) => {
    const cols = (ids: readonly string[]) => parties.flatMap((id) => modelColumnsFor(tables.get(id) as PartyTable, models.get(id) as PartyModel, ids).columns);
    const trainColumns = cols(prep.trainIds);
    // DP: each holder's gradient comes from its rows clipped to `clip` (the bank's are not clipped)
    const gradientColumns =
      clip === undefined
        ? undefined
        : parties.flatMap((id) => {
            const c = modelColumnsFor(tables.get(id) as PartyTable, models.get(id) as PartyModel, prep.trainIds).columns;
            return id === scenario.job.recipient ? c : clipRows(c, clip);
          });
    const t0 = performance.now();
    const fit = trainTaylorLR(trainColumns, yTrain, params, undefined, lossKind, gradientColumns);
    const ms = (performance.now() - t0) / fit.epochs.length;
    const score = (ids: readonly string[]) => {
      const c = cols(ids);
      return Float64Array.from(ids, (_, i) => c.reduce((s, col, j) => s + (fit.weights[j] as number) * (col[i] as number), fit.intercept));
    };
    return { fit, ms, score };
  };
  const all = plainModel(scenario.parties.map((p) => p.id));
  const dp = keys === 'threshold' ? params.dp : undefined;
  const noiseless = dp
    ? plainModel(
        scenario.parties.map((p) => p.id),
        dp.clip,
      )
    : undefined;
  const bankOnly = plainModel([scenario.job.recipient]);
  // federated weights in the centralised order, to compare them one by one
  const fedWeights = scenario.parties.flatMap((p) => {
    const t = trained.get(p.id) as PartyModel;
    return Object.values(t.features).flatMap((fw) => (fw.transform === 'onehot' ? Object.values(fw.weights) : [fw.weight]));
  });
  let maxDiff = Math.abs((trained.get(scenario.job.recipient)?.intercept ?? 0) - all.fit.intercept);
  fedWeights.forEach((w, j) => {
    maxDiff = Math.max(maxDiff, Math.abs(w - (all.fit.weights[j] as number)));
  });
  const epochs = run.summaries.get(scenario.job.recipient)?.epochs ?? [];
  const links = run.record?.links ?? [];
  const phases = run.record?.phases ?? [];
  const sigma = dp ? dpGradientSigma(dp, params.epochs) : 0;
  const report: TrainingReport = {
    keys,
    lossKind,
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
    ledger: ledgerOf(run),
    timings: { jobMs: run.jobMs, afterJoinMs: run.afterJoinMs, perParty: Object.fromEntries([...run.summaries].map(([id, s]) => [id, s.timings])) },
    bytesOnWire: links.reduce((s, l) => s + l.bytes, 0),
    bytesPerEpoch: epochs.length ? (phases.find((p) => p.name === 'train')?.bytes ?? Number.NaN) / epochs.length : Number.NaN,
    ...(dp && noiseless
      ? {
          dp: {
            ...dp,
            sigma,
            epochsRun: epochs.length,
            epsilonSpent: dpSpent(dp, sigma, epochs.length).epsilon,
            noiselessTestAuc: quality(noiseless.score).testAuc,
            noiselessTrainAuc: quality(noiseless.score).trainAuc,
          },
        }
      : {}),
  };
  return { report, bankOnly: bankOnly.score };
}
