/**
 * Vertical logistic regression with a Taylor-approximated sigmoid, as in
 * Hardy et al. (2017) and FATE's hetero-LR: sigma(u) ~ 1/2 + u/4, so the
 * residual d = u/4 + 1/2 - y is linear in the parties' partial logits and can
 * be formed on ciphertexts. The same update rule runs in plaintext here (the
 * referee's centralised and bank-only baselines) and under encryption in the
 * training job, so the two can be compared exactly.
 */
import { z } from 'zod';
import type { CkksContext } from './ckks.ts';
import { FedError } from './errors.ts';

export const trainingSchema = z
  .object({
    learningRate: z.number().positive().max(100).default(0.3),
    l2: z.number().min(0).max(10).default(0.001),
    /** rows per mini-batch; a batch is one ciphertext, so at most the slot count */
    batchSize: z.number().int().min(16).default(4096),
    epochs: z.number().int().min(1).max(1000).default(20),
    /** stop when the loss improved by less than minDelta for `patience` epochs in a row */
    earlyStopping: z
      .object({ patience: z.number().int().min(1).default(2), minDelta: z.number().min(0).default(1e-4) })
      .strict()
      .default({ patience: 2, minDelta: 1e-4 }),
    /** share of the recipient's labelled records kept out of training, to test on */
    testShare: z.number().gt(0).lt(1).default(0.33),
  })
  .strict();
export type TrainingParams = z.infer<typeof trainingSchema>;

export function taylorResidual(u: number, y: number): number {
  return 0.25 * u + 0.5 - y;
}

/** The logistic loss, computed exactly from the joint logits (what the label holder reports). */
export function logLoss(u: ArrayLike<number>, y: ArrayLike<number>, from = 0, to = u.length): number {
  let s = 0;
  for (let i = from; i < to; i++) {
    const z = (y[i] === 1 ? -1 : 1) * (u[i] as number);
    s += z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
  }
  return to > from ? s / (to - from) : 0;
}

/** Tracks the early-stopping rule; `update` says whether training should stop after this epoch. */
export function earlyStopper(params: TrainingParams): { update(loss: number): boolean } {
  let best = Number.POSITIVE_INFINITY;
  let stale = 0;
  return {
    update: (loss) => {
      if (best - loss > params.earlyStopping.minDelta) {
        best = loss;
        stale = 0;
      } else stale++;
      return stale >= params.earlyStopping.patience;
    },
  };
}

export interface EpochRecord {
  epoch: number;
  loss: number;
  ms: number;
}

/**
 * Plaintext mini-batch gradient descent with the Taylor residual: the exact
 * algorithm the encrypted job runs, on all columns at once.
 */
export function trainTaylorLR(
  columns: readonly Float64Array[],
  y: ArrayLike<number>,
  params: TrainingParams,
  onEpoch?: (e: EpochRecord) => void,
): { intercept: number; weights: number[]; epochs: EpochRecord[] } {
  const n = y.length;
  const w = new Array<number>(columns.length).fill(0);
  let b = 0;
  const epochs: EpochRecord[] = [];
  const stop = earlyStopper(params);
  const u = new Float64Array(n);
  for (let epoch = 1; epoch <= params.epochs; epoch++) {
    const t0 = performance.now();
    for (let start = 0; start < n; start += params.batchSize) {
      const end = Math.min(n, start + params.batchSize);
      const d = new Float64Array(end - start);
      for (let i = start; i < end; i++) {
        let ui = b;
        for (let j = 0; j < columns.length; j++) ui += (w[j] as number) * ((columns[j] as Float64Array)[i] as number);
        u[i] = ui;
        d[i - start] = taylorResidual(ui, y[i] as number);
      }
      const m = end - start;
      let gb = 0;
      for (let k = 0; k < m; k++) gb += d[k] as number;
      for (let j = 0; j < columns.length; j++) {
        const col = columns[j] as Float64Array;
        let g = 0;
        for (let k = 0; k < m; k++) g += (col[start + k] as number) * (d[k] as number);
        w[j] = (w[j] as number) - params.learningRate * (g / m + params.l2 * (w[j] as number));
      }
      b -= params.learningRate * (gb / m);
    }
    const record = { epoch, loss: logLoss(u, y), ms: performance.now() - t0 };
    epochs.push(record);
    onEpoch?.(record);
    if (stop.update(record.loss)) break;
  }
  return { intercept: b, weights: w, epochs };
}

/**
 * sum_r x_r * d_r for one feature, on a ciphertext of residuals: multiply by
 * the plaintext column, rescale, then rotate and add log2(slots) times so
 * every slot holds the sum. A random mask is added before the result leaves
 * the party, so the key holder that decrypts it learns nothing of it.
 */
export function encryptedInnerProducts(
  ckks: CkksContext,
  residual: Uint8Array,
  columns: readonly Float64Array[],
  galoisKeysBytes: Uint8Array,
  masks: readonly number[],
): Uint8Array[] {
  const { seal, context, encoder } = ckks;
  const evaluator = new seal.Evaluator(context);
  const galois = new seal.GaloisKeys();
  const d = ckks.loadCiphertext(residual, 'residual');
  const plain = new seal.Plaintext();
  const prod = new seal.Ciphertext();
  const rotated = new seal.Ciphertext();
  const out: Uint8Array[] = [];
  try {
    galois.loadFromArray(context, galoisKeysBytes);
    columns.forEach((col, j) => {
      const x = new Float64Array(ckks.slots);
      x.set(col.subarray(0, ckks.slots));
      encoder.encode(x, ckks.scale, plain);
      evaluator.multiplyPlain(d, plain, prod);
      evaluator.rescaleToNextInplace(prod);
      for (let step = 1; step < ckks.slots; step *= 2) {
        evaluator.rotateVector(prod, step, galois, rotated);
        evaluator.addInplace(prod, rotated);
      }
      encoder.encode(new Float64Array(ckks.slots).fill(masks[j] as number), prod.scale(), plain);
      evaluator.plainModSwitchToInplace(plain, prod.parmsId());
      evaluator.addPlainInplace(prod, plain);
      out.push(ckks.saveCiphertext(prod));
    });
  } catch (err) {
    if (err instanceof FedError) throw err;
    throw new FedError('CRYPTO_ERR_SEAL', `cannot compute an encrypted gradient: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  } finally {
    rotated.delete();
    prod.delete();
    plain.delete();
    d.delete();
    galois.delete();
    evaluator.delete();
  }
  return out;
}
