/** The report's curves: AUC and KS equal the referee's (stats.ts) exactly; curves are thinned but keep their shape. */
import { auc, computeCurves, gradeDistribution, ks, MAX_CURVE_POINTS, thinIndices } from '@fedrisk/runner';
import { createRng } from '@fedrisk/shared';
import { describe, expect, it } from 'vitest';

function sample(n: number, seed: number, ties: number): { scores: Float64Array; labels: Uint8Array } {
  const rng = createRng(seed);
  const scores = new Float64Array(n);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const y = rng.next() < 0.05 ? 1 : 0;
    const s = rng.next() * 4 - 2 + y * 1.5;
    // ties: round to a coarse grid so many scores are equal
    scores[i] = ties > 0 ? Math.round(s * ties) / ties : s;
    labels[i] = y;
  }
  return { scores, labels };
}

describe('computeCurves', () => {
  it.each([
    [12_000, 1, 0],
    [12_000, 2, 4],
    [3_001, 3, 1],
    [500, 4, 0],
    [50, 5, 2],
  ])('n=%i seed=%i ties=%i: AUC and KS equal stats.ts bit for bit', (n, seed, ties) => {
    const { scores, labels } = sample(n, seed, ties);
    const c = computeCurves(scores, labels);
    expect(c.auc).toBe(auc(scores, labels));
    expect(c.ks).toBe(ks(scores, labels));
  });

  it('keeps at most 200 points per curve, from (0,0) to (1,1), with the KS maximum on the KS curve', () => {
    const { scores, labels } = sample(12_000, 7, 0);
    const c = computeCurves(scores, labels);
    expect(c.roc.length).toBeLessThanOrEqual(MAX_CURVE_POINTS);
    expect(c.ksCurve.length).toBeLessThanOrEqual(MAX_CURVE_POINTS);
    expect(c.roc.length).toBeGreaterThan(100);
    expect(c.roc[0]).toEqual({ fpr: 0, tpr: 0 });
    expect(c.roc.at(-1)).toEqual({ fpr: 1, tpr: 1 });
    for (let i = 1; i < c.roc.length; i++) {
      expect(c.roc[i]?.fpr).toBeGreaterThanOrEqual(c.roc[i - 1]?.fpr as number);
      expect(c.roc[i]?.tpr).toBeGreaterThanOrEqual(c.roc[i - 1]?.tpr as number);
    }
    const gaps = c.ksCurve.map((p) => Math.abs(p.good - p.bad));
    expect(Math.max(...gaps)).toBe(c.ks);
    expect(c.ksCurve.some((p) => p.share === c.ksShare)).toBe(true);
    expect(c.ksCurve[0]).toEqual({ share: 0, good: 0, bad: 0 });
    expect(c.ksCurve.at(-1)).toEqual({ share: 1, good: 1, bad: 1 });
  });

  it('the trapezoid area under the full ROC curve is the AUC', () => {
    const { scores, labels } = sample(2_000, 8, 3);
    const c = computeCurves(scores, labels, Number.POSITIVE_INFINITY);
    let area = 0;
    for (let i = 1; i < c.roc.length; i++) {
      const [a, b] = [c.roc[i - 1], c.roc[i]] as [{ fpr: number; tpr: number }, { fpr: number; tpr: number }];
      area += ((b.fpr - a.fpr) * (a.tpr + b.tpr)) / 2;
    }
    expect(area).toBeCloseTo(c.auc, 12);
  });

  it('gives NaN and no points when a class is missing, like stats.ts', () => {
    const c = computeCurves(new Float64Array([1, 2, 3]), new Uint8Array([0, 0, 0]));
    expect(c.auc).toBeNaN();
    expect(auc([1, 2, 3], [0, 0, 0])).toBeNaN();
    expect(c.roc).toEqual([]);
    expect(() => computeCurves(new Float64Array(2), new Uint8Array(3))).toThrow(RangeError);
  });

  it('ranks NaN scores above every number, as one group, whichever class runs out of numbers first', () => {
    // ascending: 0 (good), 1 (bad), 2 (good), then NaN (bad): U = 1 + 2 of 2 x 2 pairs
    const c = computeCurves(new Float64Array([Number.NaN, 1, 0, 2]), new Uint8Array([1, 1, 0, 0]));
    expect(c.auc).toBe(0.75);
    expect(c.ksCurve.at(-1)).toEqual({ share: 1, good: 1, bad: 1 });
    const d = computeCurves(new Float64Array([Number.NaN, Number.NaN, 1, 0]), new Uint8Array([1, 0, 1, 0]));
    // 0 (good), 1 (bad), then one NaN group of a good and a bad (ties count half): U = 1 + 1.5
    expect(d.auc).toBe(2.5 / 4);
    // stats.ts counts NaN the same way (its ks once never returned on a NaN score)
    for (const [scores, labels] of [
      [
        [Number.NaN, Number.NaN, 1, 0],
        [1, 0, 1, 0],
      ],
      [
        [1, Number.NaN, 2, 0.5],
        [1, 1, 0, 0],
      ],
      [
        [Number.NaN, 3, 2, 1, 0, Number.NaN],
        [0, 1, 0, 1, 0, 1],
      ],
    ]) {
      const c = computeCurves(Float64Array.from(scores as number[]), Uint8Array.from(labels as number[]));
      expect(auc(scores as number[], labels as number[])).toBe(c.auc);
      expect(ks(scores as number[], labels as number[])).toBe(c.ks);
    }
  });

  it('thinIndices keeps short curves whole and the points it must keep', () => {
    const pts = Array.from({ length: 1000 }, (_, i) => i);
    expect(thinIndices(10, (p) => [p, p], [], 200)).toEqual(pts.slice(0, 10));
    const t = thinIndices(1000, (p) => [p / 1000, 0], [555], 50);
    expect(t.length).toBeLessThanOrEqual(50);
    expect(t).toContain(0);
    expect(t).toContain(555);
    expect(t).toContain(999);
  });
});

describe('grade distribution', () => {
  it('counts each grade, best grade first, with default rates from the labels', () => {
    const rows = [
      { id: 'a', score: 664.73, grade: 'B' },
      { id: 'b', score: 536.3, grade: 'E' },
      { id: 'c', score: 680.2, grade: 'B' },
      { id: 'd', score: 720, grade: 'A' },
      { id: 'e', score: 520, grade: 'E' },
    ];
    const grades = rows.map((r) => r.grade);
    const scores = rows.map((r) => r.score);
    const g = gradeDistribution(
      grades,
      scores,
      rows.map((r) => (r.id === 'b' ? 1 : 0)),
    );
    expect(g.total).toBe(5);
    expect(g.buckets.map((b) => [b.grade, b.count, b.defaults])).toEqual([
      ['A', 1, 0],
      ['B', 2, 0],
      ['E', 2, 1],
    ]);
    expect(g.buckets[2]?.defaultRate).toBe(0.5);
    expect(g.buckets[1]).toMatchObject({ minScore: 664.73, maxScore: 680.2 });
    expect(gradeDistribution(grades, scores).buckets[0]?.defaults).toBeUndefined();
  });
});
