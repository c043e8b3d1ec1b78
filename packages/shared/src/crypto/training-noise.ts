/**
 * The noise of threshold training's decrypted ciphertexts, and the smudging
 * width that hides it. Heuristic variance propagation per coefficient (the
 * usual independence heuristic), checked against noise measured with the
 * joint key in the prototype (it over-estimates by 0.4 to 2 bits):
 *  - a common encryption by P parties: P * 3.2^2;
 *  - a rounding step (rescale, or the division by the special prime in key
 *    switching): (1 + N var(s)) / 12, var(s) = 2P/3 for a sum of P ternary keys;
 *  - key switching at a level with `digits` data primes q_i:
 *    sum_i N q_i^2 / 12 * P 3.2^2 / P_sp^2, plus a rounding step;
 *  - multiplyPlain by a plaintext whose slots have mean square ms: times ms;
 *  - a fold over a group H of rotations: |H| c_H times the variance, where
 *    c_H = 1 + sum_{g != 1} fix(g) / N counts the coefficients each
 *    automorphism X -> X^g fixes (there the copies add coherently): the noise
 *    after a fold is not i.i.d., so the bound is on its L2 norm.
 * Smudging: the owner sees e + E, E Gaussian of width sigma per coefficient
 * from each other party; SD(E, e + E) <= ||e||_2 / (2 sigma) (Pinsker), so
 * sigma = 2^40 bound(||e||_2) gives 2^-41 with one honest party's noise alone.
 */
import type { CkksContext } from './ckks.ts';
import { MAX_PACKED_WIDTH, planPacking } from './packed-gradient.ts';
import { keyLevelPrimes } from './seal-layout.ts';

const SEAL_ERROR_STD = 3.2;
/** the bound is this many times the expected L2 norm */
const NOISE_SAFETY = 4;
const SMUDGING_MARGIN_BITS = 40;
/** public bound on the mean square of a plaintext multiplier's slots (standardised columns: about 1); an owner checks its own */
export const PLAIN_MEAN_SQUARE_MAX = 4;
/** the same for the loss multipliers u_p / 2 */
export const PARTIAL_MEAN_SQUARE_MAX = 16;

function v2(x: bigint): number {
  let v = 0;
  while (x > 0n && (x & 1n) === 0n) {
    x >>= 1n;
    v++;
  }
  return v;
}

/** c_H for the rotations by multiples of `step`, as a fold from `step` to slots / 2 uses them. */
function coherence(n: number, step: number): number {
  const m = BigInt(2 * n);
  let g0 = 1n;
  for (let i = 0; i < step; i++) g0 = (g0 * 3n) % m;
  let g = g0;
  let fixed = 0;
  for (let t = 1; t < n / 2 / step; t++) {
    fixed += Math.min(n, 2 ** (v2(g - 1n) - 1));
    g = (g * g0) % m;
  }
  return 1 + fixed / n;
}

interface Model {
  n: number;
  parties: number;
  round: number;
  ksFresh: number;
  ksAfter: number;
}

function model(ckks: CkksContext, parties: number): Model {
  const n = ckks.params.polyModulusDegree;
  const primes = keyLevelPrimes(ckks).map(Number);
  const special = primes[primes.length - 1] as number;
  const round = (1 + (n * 2 * parties) / 3) / 12;
  const ks = (digits: number) => {
    let v = 0;
    for (let i = 0; i < digits; i++) v += ((n * ((primes[i] as number) / special) ** 2) / 12) * parties * SEAL_ERROR_STD ** 2;
    return v + round;
  };
  const levels = primes.length - 1;
  return { n, parties, round, ksFresh: ks(levels), ksAfter: ks(levels - 1) };
}

const log2Bound = (n: number, variance: number) => Math.log2(NOISE_SAFETY * Math.sqrt(n * variance));

/** log2 of the bound on ||e||_2 of a folded packed gradient of width `width` (packed-gradient.ts), worst baby/giant split. */
export function packedGradientNoiseBits(ckks: CkksContext, parties: number, width: number, baby: number): number {
  const m = model(ckks, parties);
  const vIn = parties * SEAL_ERROR_STD ** 2;
  // babies made one step at a time: baby a carries a key switches
  const group = baby * PLAIN_MEAN_SQUARE_MAX * vIn + ((baby * (baby - 1)) / 2) * PLAIN_MEAN_SQUARE_MAX * m.ksFresh + m.round;
  const giants = width / baby;
  const z = giants * group + (giants - 1) * m.ksAfter;
  const folded = (ckks.slots / width) * coherence(m.n, width) * (z + m.ksAfter);
  return log2Bound(m.n, folded);
}

/** log2 of the bound for the epoch loss: `batches` x `parties` terms [[w]] (u_p / 2), summed, then folded over every slot. */
export function lossNoiseBits(ckks: CkksContext, parties: number, batches: number): number {
  const m = model(ckks, parties);
  const vW = parties * SEAL_ERROR_STD ** 2 + m.round + 1; // [[d]] plus a public-key encryption of the labels
  const sum = batches * parties * (PARTIAL_MEAN_SQUARE_MAX * vW + m.round);
  const folded = ckks.slots * coherence(m.n, 1) * (sum + m.ksAfter);
  return log2Bound(m.n, folded);
}

export interface TrainingSmudging {
  /** log2 of each non-owner's smudging sigma per coefficient, for a gradient */
  gradientBits: number;
  /** the same for the epoch loss */
  lossBits: number;
  marginBits: number;
}

/** The smudging widths every party derives from public parameters alone (the worst packing width, so no party's is needed). */
export function trainingSmudging(ckks: CkksContext, parties: number, batches: number): TrainingSmudging {
  let worst = 0;
  for (let width = 1; width <= Math.min(ckks.slots, MAX_PACKED_WIDTH); width *= 2)
    worst = Math.max(worst, packedGradientNoiseBits(ckks, parties, width, planPacking(ckks.slots, width).baby));
  return {
    gradientBits: Math.ceil(worst + SMUDGING_MARGIN_BITS),
    lossBits: Math.ceil(lossNoiseBits(ckks, parties, batches) + SMUDGING_MARGIN_BITS),
    marginBits: SMUDGING_MARGIN_BITS,
  };
}
