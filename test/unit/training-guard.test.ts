/**
 * Threshold training's request guard: the shares a party makes are bounded by
 * the agreed schedule, the loss goes to the label holder once per epoch, and
 * an owner's packing width (the period of the DP noise) cannot change; in
 * single-holder training a holder accepts the end of an epoch only as it stands.
 */
import { createEpochGuard, createRequestGuard } from '@fedrisk/node';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../helpers/fixtures.ts';

const guard = () => createRequestGuard({ epochs: 3, batches: 4, bank: 'bank' });

describe('threshold training requests', () => {
  it('accepts every slot of the schedule, and nothing beyond it', () => {
    const g = guard();
    for (let epoch = 1; epoch <= 3; epoch++)
      for (let batch = 0; batch < 4; batch++) {
        g.reached(epoch, batch);
        g.request('tax', 'gradient', epoch, batch, 8);
      }
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
    g.reached(2, 3);
    expect(() => g.request('bank', 'loss', 2, 0, 1)).not.toThrow();
    expect(codeOf(() => g.request('tax', 'loss', 2, 0, 1))).toBe('CRYPTO_ERR_SHARE_REFUSED');
    expect(codeOf(() => g.request('bank', 'loss', 2, 3, 1))).toBe('CRYPTO_ERR_SHARE_REFUSED');
  });

  it("pins each owner's packing width at its first request", () => {
    const g = guard();
    g.reached(1, 3);
    g.request('tax', 'gradient', 1, 0, 8);
    g.request('guarantor', 'gradient', 1, 0, 4);
    expect(() => g.request('tax', 'gradient', 1, 1, 8)).not.toThrow();
    expect(codeOf(() => g.request('tax', 'gradient', 1, 2, 4096))).toBe('CRYPTO_ERR_SHARE_REFUSED');
  });
});

describe('threshold training requests ahead of this party', () => {
  it('refuses a share for a batch this party has not reached: its residual cannot exist yet', () => {
    const g = guard();
    g.reached(2, 1);
    expect(() => g.request('tax', 'gradient', 2, 1, 8)).not.toThrow();
    expect(() => g.request('guarantor', 'gradient', 1, 3, 8)).not.toThrow();
    expect(codeOf(() => g.request('tax', 'gradient', 2, 2, 8))).toBe('CRYPTO_ERR_SHARE_REFUSED');
    expect(codeOf(() => g.request('tax', 'gradient', 3, 0, 8))).toBe('CRYPTO_ERR_SHARE_REFUSED');
    expect(codeOf(() => g.request('bank', 'loss', 3, 0, 1))).toBe('CRYPTO_ERR_SHARE_REFUSED');
  });
});

describe("a holder's check of the bank's end of an epoch (single-holder training)", () => {
  const schedule = { epochs: 3, batches: 2 };

  it('accepts the end of the epoch it has just finished, then the next one', () => {
    const g = createEpochGuard(schedule);
    g.finished(1, 0);
    g.finished(1, 1);
    expect(() => g.accept(1, false)).not.toThrow();
    g.finished(2, 0);
    g.finished(2, 1);
    expect(() => g.accept(2, true)).not.toThrow();
  });

  it('refuses an end before the epoch is done, of another epoch, twice, or after the stop', () => {
    const g = createEpochGuard(schedule);
    g.finished(1, 0);
    expect(codeOf(() => g.accept(1, false))).toBe('PROTO_ERR_UNEXPECTED');
    g.finished(1, 1);
    expect(codeOf(() => g.accept(2, false))).toBe('PROTO_ERR_UNEXPECTED');
    g.accept(1, true);
    expect(codeOf(() => g.accept(1, true))).toBe('PROTO_ERR_UNEXPECTED');
  });

  it('refuses to go on past the agreed epochs (a coordinator or bank prolonging training)', () => {
    const g = createEpochGuard(schedule);
    for (const epoch of [1, 2, 3]) {
      g.finished(epoch, 0);
      g.finished(epoch, 1);
      if (epoch < 3) g.accept(epoch, false);
    }
    expect(codeOf(() => g.accept(3, false))).toBe('PROTO_ERR_UNEXPECTED');
    expect(() => g.accept(3, true)).not.toThrow();
  });
});
