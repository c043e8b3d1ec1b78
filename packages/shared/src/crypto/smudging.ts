/**
 * Smudging noise for threshold decryption, and the noise bound it must hide.
 * Each party adds noise wide enough to hide its share of the ciphertext's own
 * noise by a statistical margin; decoding spreads it over the slots.
 */
import { randomBytes } from 'node:crypto';
import type { CkksContext } from './ckks.ts';
import { CT_DATA, header, keyLevelPrimes } from './seal-layout.ts';

/** SEAL's default noise standard deviation for fresh encryptions and keys */
const SEAL_NOISE_STD = 3.2;
/** statistical distance between a share and one with no ciphertext noise: 2^-40 */
const SMUDGING_MARGIN_BITS = 40;
/** noise bound: this many standard deviations above the estimated spread */
const BOUND_STDS = 16;

/**
 * Integer Gaussian noise of standard deviation 2^bits from a cryptographic RNG:
 * a double-precision Gaussian (Box-Muller on 53-bit uniforms) scaled up, plus a
 * uniform 16-bit low part so no low bit is fixed by floating-point rounding.
 */
export function smudgingNoise(count: number, bits: number): BigInt64Array {
  const out = new BigInt64Array(count);
  const sigma = 2 ** bits;
  const r = randomBytes(9 * (count + 1));
  // a 53-bit uniform in (0, 1]
  const uniform = (at: number) => (r.readUIntBE(at, 6) * 32 + ((r[at + 6] as number) >> 3) + 1) / 2 ** 53;
  for (let i = 0; i < count; i += 2) {
    const at = 9 * i;
    const radius = Math.sqrt(-2 * Math.log(uniform(at)));
    const angle = 2 * Math.PI * uniform(at + 9);
    const low1 = BigInt(r.readUInt16BE(at + 7)) - 32768n;
    const low2 = BigInt(r.readUInt16BE(at + 16)) - 32768n;
    out[i] = BigInt(Math.round(radius * Math.cos(angle) * sigma)) + low1;
    if (i + 1 < count) out[i + 1] = BigInt(Math.round(radius * Math.sin(angle) * sigma)) + low2;
  }
  return out;
}

/**
 * A ciphertext blob shaped like `template` whose c0 is fresh smudging noise in
 * NTT form at the template's level (SEAL does the transform: the noise is
 * written in coefficient form with c1 = 1, then cipherTransformToNtt).
 */
export function smudgingNoiseNtt(ckks: CkksContext, template: Uint8Array, l: number, bits: number): Uint8Array {
  const { seal, context } = ckks;
  const n = ckks.params.polyModulusDegree;
  const primes = keyLevelPrimes(ckks);
  const e = smudgingNoise(n, bits);
  const blob = template.slice();
  blob[48] = 0; // coefficient form: SEAL will transform it
  const view = header(blob);
  blob.fill(0, CT_DATA + l * n * 8);
  for (let j = 0; j < l; j++) {
    const q = primes[j] as bigint;
    for (let k = 0; k < n; k++) {
      const x = e[k] as bigint;
      view.setBigUint64(CT_DATA + (j * n + k) * 8, x < 0n ? x + q : x, true); // |x| is far below q
    }
    view.setBigUint64(CT_DATA + (l * n + j * n) * 8, 1n, true); // c1 = 1: non-zero, or SEAL rejects the ciphertext as transparent
  }
  const ct = new seal.Ciphertext();
  const evaluator = new seal.Evaluator(context);
  try {
    ct.loadFromArray(context, blob);
    evaluator.cipherTransformToNttInplace(ct);
    return (ct.saveToArray(seal.ComprModeType.none) as Uint8Array).slice();
  } finally {
    evaluator.delete();
    ct.delete();
  }
}

/**
 * The noise bound the smudging must hide, from the parameters: the spread of
 * the noise in a sum of `inputs` fresh public-key encryptions under a key
 * shared by `parties` (u e_pk + e_1 + e_2 s, with e_pk and s sums of `parties`
 * terms, ternary u and s), times BOUND_STDS standard deviations.
 */
export function thresholdNoise(
  polyModulusDegree: number,
  parties: number,
  inputs: number,
  scaleBits: number,
): {
  noiseStdBits: number;
  noiseBoundBits: number;
  smudgingBits: number;
  marginBits: number;
  /** expected standard deviation of the error in one decoded slot */
  expectedSlotErrorStd: number;
} {
  const n = polyModulusDegree;
  const v = SEAL_NOISE_STD ** 2;
  const perInput = n * v * (2 / 3) * parties * 2 + v;
  const std = Math.sqrt(inputs * perInput);
  const noiseBoundBits = Math.ceil(Math.log2(std * BOUND_STDS));
  const smudgingBits = noiseBoundBits + SMUDGING_MARGIN_BITS;
  // decoding sums n noise coefficients with unit-modulus weights: spread grows by sqrt(n / 2) per real slot
  const expectedSlotErrorStd = (Math.sqrt(parties) * 2 ** smudgingBits * Math.sqrt(n / 2)) / 2 ** scaleBits;
  return { noiseStdBits: Math.log2(std), noiseBoundBits, smudgingBits, marginBits: SMUDGING_MARGIN_BITS, expectedSlotErrorStd };
}
