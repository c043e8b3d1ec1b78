import { auc, fitLogistic, ks } from '@fedrisk/runner';
import { createRng, sigmoid } from '@fedrisk/shared';
import { describe, expect, it } from 'vitest';

describe('referee statistics', () => {
  it('AUC and KS on a hand-checked example', () => {
    const scores = [0.1, 0.4, 0.35, 0.8];
    const labels = [0, 0, 1, 1];
    expect(auc(scores, labels)).toBeCloseTo(0.75, 12);
    expect(ks(scores, labels)).toBeCloseTo(0.5, 12);
    expect(auc([1, 1, 1, 1], labels)).toBeCloseTo(0.5, 12);
    expect(auc([4, 3, 2, 1], [1, 1, 0, 0])).toBe(1);
    expect(auc([1, 2, 3, 4], [1, 1, 0, 0])).toBe(0);
  });

  it('logistic regression recovers the weights it was generated with', () => {
    const rng = createRng(5);
    const n = 20_000;
    const x1 = Float64Array.from({ length: n }, () => rng.normal());
    const x2 = Float64Array.from({ length: n }, () => rng.normal());
    const y = Uint8Array.from({ length: n }, (_, i) => (rng.next() < sigmoid(-1 + 1.5 * (x1[i] as number) - 0.7 * (x2[i] as number)) ? 1 : 0));
    const fit = fitLogistic([x1, x2], y, 0);
    expect(fit.intercept).toBeCloseTo(-1, 1);
    expect(fit.weights[0]).toBeCloseTo(1.5, 1);
    expect(fit.weights[1]).toBeCloseTo(-0.7, 1);
  });
});
