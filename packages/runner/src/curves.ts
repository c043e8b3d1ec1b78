/**
 * The report's curves: ROC and KS points of a score against the hidden
 * labels, thinned to at most 200 points each, with AUC and KS computed from
 * the same counts so they equal the referee's `auc` and `ks` (stats.ts)
 * exactly; and the distribution of the bank's scores by grade. The referee
 * computes them into the report; the view only draws them.
 *
 * Scores are logits: higher means more likely to default (label 1).
 */

export interface RocPoint {
  /** false positive rate: share of non-defaults above the threshold */
  fpr: number;
  /** true positive rate: share of defaults above the threshold */
  tpr: number;
}

export interface KsPoint {
  /** share of all businesses at or below the threshold (lowest risk first) */
  share: number;
  /** cumulative share of non-defaults (goods) at or below the threshold */
  good: number;
  /** cumulative share of defaults (bads) at or below the threshold */
  bad: number;
}

export interface CurveSet {
  auc: number;
  ks: number;
  /** population share where the KS gap is largest */
  ksShare: number;
  roc: RocPoint[];
  ksCurve: KsPoint[];
  n: number;
  positives: number;
}

/** The curves the report can draw; each present only when its scores are known. */
export interface ReportCurves {
  joint?: CurveSet;
  bankOnly?: CurveSet;
  centralised?: CurveSet;
}

export const MAX_CURVE_POINTS = 200;

/** ROC and KS curves and their AUC and KS; NaN values and empty curves when a class is missing. */
export function computeCurves(scores: ArrayLike<number>, labels: ArrayLike<number>, maxPoints = MAX_CURVE_POINTS): CurveSet {
  const n = scores.length;
  if (labels.length !== n) throw new RangeError(`scores (${n}) and labels (${labels.length}) differ in length`);
  // each class's scores sorted on its own (typed-array sorts), then walked together one distinct score at a time
  let pos = 0;
  for (let i = 0; i < n; i++) if (labels[i] === 1) pos++;
  const neg = n - pos;
  if (pos === 0 || neg === 0) return { auc: Number.NaN, ks: Number.NaN, ksShare: Number.NaN, roc: [], ksCurve: [], n, positives: pos };
  const ps = new Float64Array(pos);
  const ns = new Float64Array(neg);
  for (let i = 0, a = 0, b = 0; i < n; i++) {
    if (labels[i] === 1) ps[a++] = scores[i] as number;
    else ns[b++] = scores[i] as number;
  }
  ps.sort();
  ns.sort();
  // cumulative counts at every boundary between distinct scores, lowest score first; typed, and the points made only
  // for the ones kept: a million distinct scores as small arrays and point objects cost the referee 0.5 GB
  const cps = new Float64Array(n + 1);
  const cns = new Float64Array(n + 1);
  let len = 1;
  let cp = 0;
  let cn = 0;
  let u = 0;
  let ks = 0;
  let ksIndex = 0;
  // NaN sorts last in each class: a head that is NaN (or used up) waits until both are, then the rest is one group
  const head = (sorted: Float64Array, k: number) => (k < sorted.length && !Number.isNaN(sorted[k] as number) ? (sorted[k] as number) : undefined);
  for (let i = 0, j = 0; i < pos || j < neg; ) {
    const hp = head(ps, i);
    const hn = head(ns, j);
    const x = hp === undefined ? (hn ?? Number.NaN) : hn === undefined ? hp : Math.min(hp, hn);
    let gp = 0;
    let gn = 0;
    if (Number.isNaN(x)) {
      gp = pos - i;
      gn = neg - j;
      i = pos;
      j = neg;
    } else {
      for (; i < pos && ps[i] === x; i++) gp++;
      for (; j < neg && ns[j] === x; j++) gn++;
    }
    if (gp + gn === 0) break;
    // Mann-Whitney U: each default outranks the non-defaults below it, ties count half
    u += gp * (cn + gn / 2);
    cp += gp;
    cn += gn;
    cps[len] = cp;
    cns[len] = cn;
    len++;
    const gap = Math.abs(cp / pos - cn / neg);
    if (gap > ks) {
      ks = gap;
      ksIndex = len - 1;
    }
  }
  const last = len - 1;
  // ROC from the highest threshold down: the boundaries in reverse
  const rocAt = (i: number): RocPoint => ({ fpr: 1 - (cns[last - i] as number) / neg, tpr: 1 - (cps[last - i] as number) / pos });
  const ksAt = (i: number): KsPoint => ({
    share: ((cps[i] as number) + (cns[i] as number)) / n,
    good: (cns[i] as number) / neg,
    bad: (cps[i] as number) / pos,
  });
  return {
    auc: u / (pos * neg),
    ks,
    ksShare: ksAt(ksIndex).share,
    roc: thinIndices(len, (i) => [1 - (cns[last - i] as number) / neg, 1 - (cps[last - i] as number) / pos], [], maxPoints).map(rocAt),
    ksCurve: thinIndices(
      len,
      (i) => [((cps[i] as number) + (cns[i] as number)) / n, (cns[i] as number) / neg - (cps[i] as number) / pos],
      [ksIndex],
      maxPoints,
    ).map(ksAt),
    n,
    positives: pos,
  };
}

/**
 * Which of a curve's `count` points to draw: at most `max`, evenly spaced
 * along its length (so steep and flat stretches are both drawn), always the
 * first, the last and the `keep` indices; ascending. `xy` gives a point's
 * coordinates by index, so a long curve need not exist as objects.
 */
export function thinIndices(count: number, xy: (i: number) => [number, number], keep: readonly number[], max: number): number[] {
  if (count <= max) return Array.from({ length: count }, (_, i) => i);
  const must = new Set([0, count - 1, ...keep.filter((i) => i >= 0 && i < count)]);
  const budget = Math.max(1, max - must.size);
  let total = 0;
  let prev = xy(0);
  for (let i = 1; i < count; i++) {
    const here = xy(i);
    total += dist(prev, here);
    prev = here;
  }
  const picked = new Set(must);
  const step = total / budget;
  let run = 0;
  prev = xy(0);
  for (let i = 1; i < count && picked.size < max; i++) {
    const here = xy(i);
    run += dist(prev, here);
    prev = here;
    if (run >= step) {
      picked.add(i);
      run = 0;
    }
  }
  return [...picked].sort((a, b) => a - b);
}

const dist = (a: [number, number], b: [number, number]) => Math.abs(a[0] - b[0]) + Math.abs(a[1] - b[1]);

export interface GradeBucket {
  grade: string;
  count: number;
  share: number;
  minScore: number;
  maxScore: number;
  meanScore: number;
  /** defaults among them (when labels are given) */
  defaults?: number;
  defaultRate?: number;
}

/** The report's grade section: one bucket per grade, best grade (highest mean score) first. */
export interface GradeDistribution {
  buckets: GradeBucket[];
  total: number;
}

/** Scores by grade, one entry per business in the same order: its grade, its score, and (when known) 1 if it defaulted. */
export function gradeDistribution(grades: readonly string[], scores: ArrayLike<number>, defaults?: ArrayLike<number>): GradeDistribution {
  const n = grades.length;
  if (scores.length !== n || (defaults && defaults.length !== n))
    throw new RangeError(`grades (${n}), scores (${scores.length}) and defaults differ in length`);
  const by = new Map<string, { count: number; min: number; max: number; sum: number; defaults: number }>();
  for (let i = 0; i < n; i++) {
    const grade = grades[i] as string;
    const score = scores[i] as number;
    let b = by.get(grade);
    if (!b) {
      b = { count: 0, min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY, sum: 0, defaults: 0 };
      by.set(grade, b);
    }
    b.count++;
    b.min = Math.min(b.min, score);
    b.max = Math.max(b.max, score);
    b.sum += score;
    if (defaults?.[i] === 1) b.defaults++;
  }
  const buckets = [...by].map(([grade, b]) => ({
    grade,
    count: b.count,
    share: b.count / n,
    minScore: b.min,
    maxScore: b.max,
    meanScore: b.sum / b.count,
    ...(defaults ? { defaults: b.defaults, defaultRate: b.defaults / b.count } : {}),
  }));
  buckets.sort((a, b) => b.meanScore - a.meanScore);
  return { buckets, total: n };
}
