/**
 * The reasons refinement without sockets: the contested pairs are the ones
 * the recipient cannot order, comparing them with the true signs gives the
 * true top list, and the masked comparison under real SEAL reads the right
 * sign while hiding the magnitude behind a mask.
 */
import {
  bandOf,
  contestedPairs,
  createCkksContext,
  createRng,
  DEFAULT_CKKS,
  drawMasks,
  encryptVector,
  type FedError,
  generateKeyPair,
  loadSeal,
  MASK_BITS,
  maskDifference,
  mergeReasons,
  type ReasonCandidate,
  refineBound,
  refinedOrder,
  refineMaskScaleBits,
  signsOf,
} from '@fedrisk/shared';
import { describe, expect, it } from 'vitest';

const W = 5;
const own = (points: number, code: string): ReasonCandidate => ({
  party: 'bank',
  code,
  column: code,
  direction: 'high',
  band: bandOf(points, W),
  width: W,
  points,
});
const held = (party: string, points: number, code: string): ReasonCandidate => ({
  party,
  code,
  column: code,
  direction: 'high',
  band: bandOf(points, W),
  width: W,
});

/** A random applicant: each party's top 3 by true cost, in its own order; the truth kept aside. */
function applicant(rng: ReturnType<typeof createRng>) {
  const truth: number[] = [];
  const candidates: ReasonCandidate[] = [];
  for (const party of ['bank', 'tax', 'guarantor']) {
    const pts = Array.from({ length: 3 }, () => Math.max(0.01, 6 + 5 * rng.normal())).sort((a, b) => b - a);
    pts.forEach((p, k) => {
      candidates.push(party === 'bank' ? own(p, `${party}${k}`) : held(party, p, `${party}${k}`));
      truth.push(p);
    });
  }
  return { candidates, truth };
}

describe('reasons refinement: which pairs, and the order they give', () => {
  it('pairs only candidates of different parties whose ranges overlap', () => {
    const c = [own(7.2, 'a'), held('tax', 6, 'b'), held('tax', 12, 'c'), held('guarantor', 8, 'd')];
    const { pairs } = contestedPairs(0, c, 3);
    expect(pairs.map((p) => [p.sender, p.masker])).toEqual([
      [0, 1],
      [0, 3],
      [1, 3],
    ]);
    expect(pairs.every((p) => p.base === 5)).toBe(true);
  });

  it('with the true signs the top 3 is the true top 3 (and the band estimate often is not)', () => {
    const rng = createRng(11);
    let refinedRight = 0;
    let bandRight = 0;
    const n = 400;
    for (let a = 0; a < n; a++) {
      const { candidates, truth } = applicant(rng);
      const { pairs } = contestedPairs(a, candidates, 3);
      const signs = new Map(pairs.map((p) => [`${p.sender},${p.masker}`, Math.sign((truth[p.masker] as number) - (truth[p.sender] as number))]));
      const want = truth
        .map((t, i) => ({ t, i }))
        .sort((x, y) => y.t - x.t)
        .slice(0, 3)
        .map((x) => candidates[x.i]?.code);
      const got = mergeReasons(candidates, 3, refinedOrder(candidates, signs)).map((r) => r.code);
      const band = mergeReasons(candidates, 3).map((r) => r.code);
      if (got.join() === want.join()) refinedRight++;
      if (band.join() === want.join()) bandRight++;
    }
    expect(refinedRight).toBe(n);
    expect(bandRight).toBeLessThan(n * 0.9);
  });
});

describe('reasons refinement: the masked comparison (real SEAL)', () => {
  it('fits the default parameters and refuses ones that leave no room', () => {
    expect(refineMaskScaleBits(DEFAULT_CKKS, 2 * W)).toBeGreaterThanOrEqual(10);
    expect(() => refineMaskScaleBits({ ...DEFAULT_CKKS, scaleBits: 100 }, 2 * W)).toThrow(
      expect.objectContaining({ code: 'CRYPTO_ERR_INVALID_PARAMS' }) as FedError,
    );
  });

  it('reads the sign of own − operand at each position and hides the magnitude', async () => {
    const seal = await loadSeal();
    using r = createCkksContext(seal, DEFAULT_CKKS);
    using keys = generateKeyPair(r);
    using sender = createCkksContext(seal, DEFAULT_CKKS);
    using masker = createCkksContext(seal, DEFAULT_CKKS);
    const rng = createRng(5);
    const n = 200;
    const a = Float64Array.from({ length: n }, () => 2 * W * rng.next() - W);
    // every difference is at least 0.05, so even the smallest mask (1) lifts it past REFINE_TIE:
    // the masks are fresh randomness, and a closer pair would be read as a tie now and then
    const apart = (v: number): number => {
      for (;;) {
        const w = 2 * W * rng.next() - W;
        if (Math.abs(w - v) >= 0.05) return w;
      }
    };
    const b = Float64Array.from({ length: n }, (_, i) => (i % 10 === 0 ? (a[i] as number) + 0.05 : apart(a[i] as number)));
    // two senders fill disjoint halves, as two operands reach one masker
    const half = (from: number, to: number) => Float64Array.from(a, (v, i) => (i >= from && i < to ? v : 0));
    const ops = [...(await encryptVector(sender, keys.publicKeyBytes, half(0, 100))), ...(await encryptVector(sender, keys.publicKeyBytes, half(100, n)))];
    const masks = drawMasks(masker.slots);
    const out = maskDifference(masker, ops, b, masks, refineMaskScaleBits(DEFAULT_CKKS, 2 * W));
    const dec = await keys.decrypt([out], n);
    const positions = Array.from({ length: n }, (_, i) => i);
    expect(signsOf(dec, positions)).toEqual(positions.map((i) => Math.sign((b[i] as number) - (a[i] as number))));
    // the magnitude R sees is the difference times an unknown mask in [1, 2^16]
    const ratios = positions.map((i) => (dec[i] as number) / ((b[i] as number) - (a[i] as number)));
    expect(Math.min(...ratios)).toBeGreaterThan(0.99);
    expect(Math.max(...ratios)).toBeLessThan(2 ** MASK_BITS * 1.01);
    expect(Math.max(...ratios) / Math.min(...ratios)).toBeGreaterThan(100);
    expect(refineBound([[own(1, 'x'), held('tax', 3, 'y')]])).toBe(2 * W);
  });
});
