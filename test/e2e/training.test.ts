/**
 * Joint training end to end with real processes: vertical logistic regression
 * under CKKS reaches the centralised plaintext model, and the ledger shows that
 * no party received another's plaintext gradient, feature or label.
 */
import { readFileSync } from 'node:fs';
import { type Report, runScenario, summarise } from '@fedrisk/runner';
import { beforeAll, describe, expect, it } from 'vitest';
import { fileTempDir, smallScenario } from '../helpers/fixtures.ts';
import { maskFigures, shapeLines } from '../helpers/shape.ts';

let report: Report;

beforeAll(async () => {
  const scenario = await smallScenario((s) => {
    if (s.data.kind === 'synthetic') s.data.businesses = 4000;
    s.job.applicants = 'all';
    s.job.compareWith = [];
    s.job.keys = 'single-holder';
    s.train = { learningRate: 0.5, l2: 0.001, batchSize: 4096, epochs: 4, earlyStopping: { patience: 2, minDelta: 1e-4 }, testShare: 0.33 };
  });
  ({ report } = await runScenario({ scenario, scenarioFile: 'train', runsDir: fileTempDir('fedrisk-train-'), launcher: 'in-process' }));
}, 180_000);

describe('joint training (vertical logistic regression under CKKS)', () => {
  it("trains, then scores the held-out rows with every party's own trained weights", () => {
    expect(report.ok, JSON.stringify(report.error)).toBe(true);
    const t = report.training;
    expect(t).toBeDefined();
    if (!t) return;
    expect(t.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
    // the loss goes down epoch by epoch
    for (let i = 1; i < t.epochs.length; i++) expect((t.epochs[i] as { loss: number }).loss).toBeLessThan((t.epochs[i - 1] as { loss: number }).loss);
    expect(report.verification?.maxAbsLogitError).toBeLessThanOrEqual(1e-6);
    expect(report.businesses.scored).toBe(t.testRows);
  });

  it('reaches the centralised model with the same algorithm, and beats the bank alone', () => {
    const t = report.training;
    if (!t) throw new Error('no training report');
    expect(Math.abs(t.federated.testAuc - t.centralised.testAuc)).toBeLessThanOrEqual(0.005);
    expect(Math.abs(t.federated.trainAuc - t.centralised.trainAuc)).toBeLessThanOrEqual(0.005);
    expect(t.maxWeightDifference).toBeLessThan(1e-4);
    expect(t.federated.trainAuc).toBeGreaterThan(t.bankOnly.trainAuc);
  });

  it("the ledger: nobody receives another party's plaintext gradient, feature or label", () => {
    const t = report.training;
    if (!t) throw new Error('no training report');
    const batches = Math.ceil(t.trainRows / 4096);
    const { coordinator, bank, tax, guarantor } = t.ledger;
    // nobody is sent a plaintext value but the holders (their own gradient, masked by themselves, and the loss)
    // and the coordinator, which relays the loss
    expect(bank?.received.plaintextValues).toBe(0);
    expect(coordinator?.received.plaintextValues).toBe(t.epochs.length);
    for (const who of [coordinator, bank, tax, guarantor]) expect(who?.received.secretKeys).toBe(0);
    for (const holder of [tax, guarantor]) {
      expect(holder?.received.plaintextValues).toBe((holder?.received.maskedValues ?? 0) + t.epochs.length);
    }
    // the bank receives no gradient values at all
    expect(bank?.received.maskedValues).toBe(0);
    // it holds the key, so it reads the residual of each training row, and decrypts the holders' masked gradients:
    // every decryption is counted where it happens, in the key object
    const masked = (tax?.received.maskedValues ?? 0) + (guarantor?.received.maskedValues ?? 0);
    expect(bank?.decrypted).toBe(t.trainRows * t.epochs.length + masked);
    for (const holder of [tax, guarantor]) {
      // per batch: one encrypted residual in, its own masked gradient values back, and the loss per epoch
      expect(holder?.received.ciphertexts).toBe(batches * t.epochs.length);
      expect(holder?.received.maskedValues).toBeGreaterThan(0);
      expect(holder?.received.trainingLoss).toBe(t.epochs.length);
      expect(holder?.received.evaluationKeys).toBe(1);
      // training rows aligned by PSI: no raw id reached a holder, only its own slots
      expect(holder?.received.businessIds).toBe(0);
      expect(holder?.received.alignmentSlots).toBeGreaterThan(0);
      expect(holder?.decrypted).toBe(0);
    }
    expect(coordinator?.decrypted).toBe(0);
  });
});

describe('the trained report and summary keep their shape (golden files taken before the restructuring)', () => {
  it('report.json has every field, with its type, that it had', () => {
    const golden = readFileSync(new URL('../golden/report-shape-trained.txt', import.meta.url), 'utf8')
      .trim()
      .split('\n');
    const now = new Set(shapeLines(report));
    expect(golden.filter((line) => !now.has(line))).toEqual([]);
  });

  it('the console summary has the same lines, figures aside', () => {
    const golden = readFileSync(new URL('../golden/summary-trained.txt', import.meta.url), 'utf8');
    expect(maskFigures(summarise(report, 'RUN').join('\n'))).toBe(golden);
  });
});
