/**
 * The report's curves from a real run folder: computed from the bank's
 * decrypted scores and the hidden labels, they give the report's own AUC and
 * KS exactly (joint model, bank alone, and the centralised model after joint
 * training). A small trained scenario, run end to end.
 */
import { loadReportInput, type Report, runScenario } from '@fedrisk/runner';
import { beforeAll, describe, expect, it } from 'vitest';
import { fileTempDir, smallScenario } from '../../helpers/fixtures.ts';

let report: Report;
let runDir: string;

beforeAll(async () => {
  const scenario = await smallScenario((s) => {
    s.name = 'view-curves';
    // one light design: the curves do not depend on the key design, and the suite runs on two cores
    s.job.keys = 'single-holder';
    s.job.compareWith = [];
    s.train = { learningRate: 0.5, l2: 0.001, batchSize: 4096, epochs: 3, earlyStopping: { patience: 2, minDelta: 0.0005 }, testShare: 0.4 };
  });
  const result = await runScenario({ scenario, scenarioFile: 'e2e', runsDir: fileTempDir('fedrisk-view-') });
  report = result.report;
  runDir = result.runDir;
}, 180_000);

describe('loadReportInput', () => {
  it('reproduces the report AUC and KS of the joint model, the bank alone and the centralised model', async () => {
    expect(report.ok).toBe(true);
    const { curves, grades } = await loadReportInput(runDir);
    const v = report.verification;
    const t = report.training;
    expect(v && t).toBeTruthy();
    expect(curves?.joint?.auc).toBe(v?.auc);
    expect(curves?.joint?.ks).toBe(v?.ks);
    expect(curves?.bankOnly?.auc).toBe(v?.bankOnlyAuc);
    expect(curves?.bankOnly?.ks).toBe(v?.bankOnlyKs);
    expect(curves?.centralised?.auc).toBe(t?.centralised.testAuc);
    expect(curves?.centralised?.ks).toBe(t?.centralised.testKs);
    expect(curves?.joint?.n).toBe(report.businesses.scored);
    expect(grades?.total).toBe(report.businesses.scored);
    expect(grades?.buckets.reduce((s, b) => s + (b.defaults ?? 0), 0)).toBe(v?.defaults);
  });
});
