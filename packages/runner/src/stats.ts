/** Plain statistics for the referee: discrimination metrics and a reference logistic regression. */

/** The scores of each class, each sorted ascending (typed-array sorts: a million scores in milliseconds). */
function byClass(scores: ArrayLike<number>, labels: ArrayLike<number>): { all: Float64Array; pos: Float64Array; neg: Float64Array } {
  const n = scores.length;
  let p = 0;
  for (let i = 0; i < n; i++) if (labels[i] === 1) p++;
  const pos = new Float64Array(p);
  const neg = new Float64Array(n - p);
  let a = 0;
  let b = 0;
  for (let i = 0; i < n; i++) {
    if (labels[i] === 1) pos[a++] = scores[i] as number;
    else neg[b++] = scores[i] as number;
  }
  return { all: Float64Array.from(scores).sort(), pos: pos.sort(), neg: neg.sort() };
}

/** How many of the sorted values are below x (strict) or at most x (or-equal). */
function countBelow(sorted: Float64Array, x: number, orEqual: boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid] as number;
    if (v < x || (orEqual && v === x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Area under the ROC curve (Mann-Whitney U, ties counted half). Higher score = more likely label 1. */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const { all, pos } = byClass(scores, labels);
  const neg = all.length - pos.length;
  if (pos.length === 0 || neg === 0) return Number.NaN;
  // each positive's rank among all scores, tied scores sharing the average of their ranks (sums of half-integers: exact);
  // NaN sorts last and ranks as one tie above every score, as computeCurves counts it
  const numbers = countBelow(all, Number.POSITIVE_INFINITY, true);
  let rankSum = 0;
  for (const s of pos) {
    const below = Number.isNaN(s) ? numbers : countBelow(all, s, false);
    const atOrBelow = Number.isNaN(s) ? all.length : countBelow(all, s, true);
    rankSum += (below + 1 + atOrBelow) / 2;
  }
  const p = pos.length;
  return (rankSum - (p * (p + 1)) / 2) / (p * neg);
}

/** Kolmogorov-Smirnov statistic: the largest gap between the score distributions of the two classes. */
export function ks(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const { pos, neg } = byClass(scores, labels);
  if (pos.length === 0 || neg.length === 0) return Number.NaN;
  // walk both sorted classes together, one distinct score at a time
  let i = 0;
  let j = 0;
  let best = 0;
  while (i < pos.length || j < neg.length) {
    const x = Math.min(i < pos.length ? (pos[i] as number) : Number.POSITIVE_INFINITY, j < neg.length ? (neg[j] as number) : Number.POSITIVE_INFINITY);
    // only NaN is left (it sorts last): one last group that ends both classes, a gap of 0 (no NaN equals itself, so
    // the walk below would never pass it)
    if (Number.isNaN(x)) break;
    while (i < pos.length && pos[i] === x) i++;
    while (j < neg.length && neg[j] === x) j++;
    best = Math.max(best, Math.abs(i / pos.length - j / neg.length));
  }
  return best;
}

/** Solves A x = b for a small symmetric positive-definite A (Cholesky). */
function solveSpd(a: number[][], b: number[]): number[] {
  const n = b.length;
  const l = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = (a[i] as number[])[j] as number;
      for (let k = 0; k < j; k++) s -= ((l[i] as number[])[k] as number) * ((l[j] as number[])[k] as number);
      (l[i] as number[])[j] = i === j ? Math.sqrt(Math.max(s, 1e-12)) : s / ((l[j] as number[])[j] as number);
    }
  }
  const y = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    let s = b[i] as number;
    for (let k = 0; k < i; k++) s -= ((l[i] as number[])[k] as number) * (y[k] as number);
    y[i] = s / ((l[i] as number[])[i] as number);
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i] as number;
    for (let k = i + 1; k < n; k++) s -= ((l[k] as number[])[i] as number) * (x[k] as number);
    x[i] = s / ((l[i] as number[])[i] as number);
  }
  return x;
}

/**
 * Logistic regression by Newton's method with an L2 penalty on the weights
 * (not the intercept). `columns` are feature vectors of equal length.
 */
export function fitLogistic(columns: readonly Float64Array[], labels: ArrayLike<number>, l2 = 1e-3, iterations = 25): { intercept: number; weights: number[] } {
  const n = labels.length;
  const d = columns.length + 1;
  const beta = new Array<number>(d).fill(0);
  // one row's features, the constant 1 first (the same sums, in the same order, as column by column)
  const xi = new Float64Array(d);
  xi[0] = 1;
  for (let it = 0; it < iterations; it++) {
    const grad = new Array<number>(d).fill(0);
    const hess = Array.from({ length: d }, () => new Array<number>(d).fill(0));
    for (let i = 0; i < n; i++) {
      for (let j = 1; j < d; j++) xi[j] = (columns[j - 1] as Float64Array)[i] as number;
      let eta = 0;
      for (let j = 0; j < d; j++) eta += (beta[j] as number) * (xi[j] as number);
      const p = 1 / (1 + Math.exp(-eta));
      const w = Math.max(p * (1 - p), 1e-9);
      const r = (labels[i] as number) - p;
      for (let j = 0; j < d; j++) {
        const xj = xi[j] as number;
        grad[j] = (grad[j] as number) + r * xj;
        const row = hess[j] as number[];
        for (let k = 0; k <= j; k++) row[k] = (row[k] as number) + w * xj * (xi[k] as number);
      }
    }
    for (let j = 0; j < d; j++) {
      for (let k = 0; k < j; k++) (hess[k] as number[])[j] = (hess[j] as number[])[k] as number;
      if (j > 0) {
        grad[j] = (grad[j] as number) - l2 * n * (beta[j] as number);
        (hess[j] as number[])[j] = ((hess[j] as number[])[j] as number) + l2 * n;
      }
    }
    const step = solveSpd(hess, grad);
    let change = 0;
    for (let j = 0; j < d; j++) {
      beta[j] = (beta[j] as number) + (step[j] as number);
      change = Math.max(change, Math.abs(step[j] as number));
    }
    if (change < 1e-8) break;
  }
  return { intercept: beta[0] as number, weights: beta.slice(1) };
}

/**
 * Out-of-sample scores of a logistic regression by k-fold cross-fitting: each
 * row is scored by a model fitted on the other folds only (row i is in fold
 * i mod k; the rows come in a random order already).
 */
export function crossFittedScores(columns: readonly Float64Array[], labels: ArrayLike<number>, folds = 5): Float64Array {
  const n = labels.length;
  const out = new Float64Array(n);
  for (let f = 0; f < folds; f++) {
    const train = Array.from({ length: n }, (_, i) => i).filter((i) => i % folds !== f);
    const fit = fitLogistic(
      columns.map((c) => Float64Array.from(train, (i) => c[i] as number)),
      Uint8Array.from(train, (i) => labels[i] as number),
    );
    for (let i = f; i < n; i += folds) out[i] = columns.reduce((s, c, j) => s + (fit.weights[j] as number) * (c[i] as number), fit.intercept);
  }
  return out;
}
