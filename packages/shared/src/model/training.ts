/**
 * Vertical logistic regression with a Taylor-approximated sigmoid, as in
 * Hardy et al. (2017) and FATE's hetero-LR: sigma(u) ~ 1/2 + u/4, so the
 * residual d = u/4 + 1/2 - y is linear in the parties' partial logits and can
 * be formed on ciphertexts. The same update rule runs in plaintext here (the
 * referee's centralised and bank-only baselines) and under encryption in the
 * training job, so the two can be compared exactly.
 */
import type { TrainingParams } from '../wire/params.ts';

function taylorResidual(u: number, y: number): number {
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

/**
 * The Taylor loss, log 2 + mean(u^2 / 8 + (1/2 - y) u): what threshold training
 * reveals to the label holder (one number per epoch, from encrypted terms), so
 * early stopping there, and in the referee's run of the same algorithm, uses it.
 */
export function taylorLoss(u: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < u.length; i++) s += (u[i] as number) ** 2 / 8 + (0.5 - (y[i] as number)) * (u[i] as number);
  return u.length ? Math.LN2 + s / u.length : 0;
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
  loss: 'log' | 'taylor' = 'log',
  /** the columns the gradient is made from, when not the same (DP: each holder's rows clipped) */
  gradientColumns: readonly Float64Array[] = columns,
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
        const col = gradientColumns[j] as Float64Array;
        let g = 0;
        for (let k = 0; k < m; k++) g += (col[start + k] as number) * (d[k] as number);
        w[j] = (w[j] as number) - params.learningRate * (g / m + params.l2 * (w[j] as number));
      }
      b -= params.learningRate * (gb / m);
    }
    const record = { epoch, loss: loss === 'log' ? logLoss(u, y) : taylorLoss(u, y), ms: performance.now() - t0 };
    epochs.push(record);
    onEpoch?.(record);
    if (stop.update(record.loss)) break;
  }
  return { intercept: b, weights: w, epochs };
}
