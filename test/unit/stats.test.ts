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

  it('AUC and KS agree with the pairwise definitions on data with ties', () => {
    const rng = createRng(9);
    const n = 600;
    // few distinct scores, so ties are common
    const scores = Array.from({ length: n }, () => Math.round(rng.normal() * 4) / 4);
    const labels = scores.map((s) => (rng.next() < sigmoid(s - 1) ? 1 : 0));
    let wins = 0;
    let pairs = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++)
        if (labels[i] === 1 && labels[j] === 0) {
          pairs++;
          wins += (scores[i] as number) > (scores[j] as number) ? 1 : scores[i] === scores[j] ? 0.5 : 0;
        }
    expect(auc(scores, labels)).toBeCloseTo(wins / pairs, 12);
    const pos = labels.filter((l) => l === 1).length;
    let best = 0;
    for (const t of new Set(scores)) {
      const cp = scores.filter((s, i) => s <= t && labels[i] === 1).length / pos;
      const cn = scores.filter((s, i) => s <= t && labels[i] === 0).length / (n - pos);
      best = Math.max(best, Math.abs(cp - cn));
    }
    expect(ks(scores, labels)).toBeCloseTo(best, 12);
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
