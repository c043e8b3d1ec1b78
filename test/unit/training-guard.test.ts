/**
 * Threshold training's request guard: the shares a party makes are bounded by
 * the agreed schedule, the loss goes to the label holder once per epoch, and
 * an owner's packing width (the period of the DP noise) cannot change.
 */
import { createRequestGuard } from '@fedrisk/node';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../helpers/fixtures.ts';

const guard = () => createRequestGuard({ epochs: 3, batches: 4, bank: 'bank' });

describe('threshold training requests', () => {
  it('accepts every slot of the schedule, and nothing beyond it', () => {
    const g = guard();
    for (let epoch = 1; epoch <= 3; epoch++) for (let batch = 0; batch < 4; batch++) g.request('tax', 'gradient', epoch, batch, 8);
    for (const [epoch, batch] of [
      [4, 0],
      [999, 0],
      [0, 0],
      [1, 4],
      [1, -1],
      [1.5, 0],
    ] as const)
      expect(
        codeOf(() => g.request('tax', 'gradient', epoch, batch, 8)),
        `${epoch}/${batch}`,
      ).toBe('PROTO_ERR_UNEXPECTED');
    expect(codeOf(() => g.inSchedule('tax', 'train.input', 4, 0))).toBe('PROTO_ERR_UNEXPECTED');
  });

  it('decrypts the loss for the label holder only, at batch 0', () => {
    const g = guard();
    expect(() => g.request('bank', 'loss', 2, 0, 1)).not.toThrow();
    expect(codeOf(() => g.request('tax', 'loss', 2, 0, 1))).toBe('CRYPTO_ERR_SHARE_REFUSED');
    expect(codeOf(() => g.request('bank', 'loss', 2, 3, 1))).toBe('CRYPTO_ERR_SHARE_REFUSED');
  });

  it("pins each owner's packing width at its first request", () => {
    const g = guard();
    g.request('tax', 'gradient', 1, 0, 8);
    g.request('guarantor', 'gradient', 1, 0, 4);
    expect(() => g.request('tax', 'gradient', 1, 1, 8)).not.toThrow();
    expect(codeOf(() => g.request('tax', 'gradient', 1, 2, 4096))).toBe('CRYPTO_ERR_SHARE_REFUSED');
  });
});
