/**
 * Smudging noise for threshold decryption, and the noise bound it must hide.
 * Each party adds noise wide enough to hide its share of the ciphertext's own
 * noise by a statistical margin; decoding spreads it over the slots.
 */
import { randomBytes } from 'node:crypto';
import { FedError } from '../util/errors.ts';
import type { CkksContext } from './ckks.ts';
import { CT_DATA, header, keyLevelPrimes } from './seal-layout.ts';

/** SEAL's default noise standard deviation for fresh encryptions and keys */
const SEAL_NOISE_STD = 3.2;
/** statistical distance between a share and one with no ciphertext noise: 2^-40 */
const SMUDGING_MARGIN_BITS = 40;
/** noise bound: this many standard deviations above the estimated spread */
const BOUND_STDS = 16;

const TWO32 = 2 ** 32;

/**
 * Integer noise held exactly as hi * 2^shift + lo without a BigInt per
 * coefficient (at a million slots that cost 3.5 s of CPU per party): hi and lo
 * are integers, |hi| < 2^53, lo in [-2^(shift-1), 2^(shift-1)).
 */
export interface SmudgingSample {
  readonly hi: Float64Array;
  readonly lo: Int32Array;
  readonly shift: number;
}

/** Per coefficient: 7 random bytes toward a 53-bit uniform, 4 toward the low part. */
const STRIDE = 11;

/**
 * Integer Gaussian noise of standard deviation 2^bits from a cryptographic RNG:
 * a Box-Muller Gaussian on 53-bit uniforms, rounded so that hi * 2^shift is a
 * multiple of 2^shift (shift = max(16, bits - 48), so hi stays below 2^53), plus
 * a uniform low part, so no low bit is fixed by floating-point rounding. The
 * density is the Gaussian's at a granularity of 2^shift, at least 2^48 times
 * finer than its spread, so a shift by the noise it hides moves it as far as it
 * moves the Gaussian. Up to 2^79 (threshold training's loss needs 2^64-2^70).
 */
export function smudgingNoise(count: number, bits: number): SmudgingSample {
  if (!Number.isInteger(bits) || bits < 17 || bits > 79) throw new FedError('CRYPTO_ERR_INVALID_PARAMS', `smudging noise of 2^${bits} is outside 2^17..2^79`);
  const shift = Math.max(16, bits - 48);
  const half = 2 ** (shift - 1);
  const hi = new Float64Array(count);
  const lo = new Int32Array(count);
  const scale = 2 ** (bits - shift);
  const r = randomBytes(STRIDE * (count + 1));
  // a 53-bit uniform in (0, 1]
  const uniform = (at: number) => (r.readUIntBE(at, 6) * 32 + ((r[at + 6] as number) >> 3) + 1) / 2 ** 53;
  const low = (at: number) => (r.readUInt32BE(at + 7) >>> (32 - shift)) - half;
  for (let i = 0; i < count; i += 2) {
    const at = STRIDE * i;
    const radius = Math.sqrt(-2 * Math.log(uniform(at)));
    const angle = 2 * Math.PI * uniform(at + STRIDE);
    hi[i] = Math.round(radius * Math.cos(angle) * scale);
    lo[i] = low(at);
    if (i + 1 < count) {
      hi[i + 1] = Math.round(radius * Math.sin(angle) * scale);
      lo[i + 1] = low(at + STRIDE);
    }
  }
  return { hi, lo, shift };
}

/** Coefficient k of a sample as a BigInt (tests, and anything that is not per-coefficient hot). */
export const noiseAt = (e: SmudgingSample, k: number): bigint => (BigInt(e.hi[k] as number) << BigInt(e.shift)) + BigInt(e.lo[k] as number);

/**
 * Writes the sample modulo each of `primes` as SEAL lays out a polynomial in
 * RNS form: little-endian 64-bit words, prime j's n residues from offset
 * + j n 8. Exact in doubles: hi * 2^shift is a power-of-two multiple of an
 * integer below 2^53, its split into 32-bit words is exact, and the low word
 * stays below 2^33. A value not clearly below a prime in magnitude takes the
 * BigInt path (every value, for noise wider than the primes).
 */
export function writeNoiseResidues(view: DataView, offset: number, e: SmudgingSample, primes: readonly bigint[]): void {
  const n = e.hi.length;
  const scale = 2 ** e.shift;
  const q = primes.map((p) => ({ a: Number(p / 4294967296n), b: Number(p % 4294967296n), big: p }));
  for (let k = 0; k < n; k++) {
    // the value as a * 2^32 + b, b in [0, 2^32), a signed; lo is any Int32, so one carry or borrow
    const t = (e.hi[k] as number) * scale;
    let a = Math.floor(t / TWO32);
    let b = t - a * TWO32 + (e.lo[k] as number);
    if (b < 0) {
      b += TWO32;
      a -= 1;
    } else if (b >= TWO32) {
      b -= TWO32;
      a += 1;
    }
    for (let j = 0; j < q.length; j++) {
      const at = offset + (j * n + k) * 8;
      const p = q[j] as { a: number; b: number; big: bigint };
      if (Math.abs(a) >= p.a - 1) {
        const x = noiseAt(e, k) % p.big;
        view.setBigUint64(at, x < 0n ? x + p.big : x, true);
        continue;
      }
      if (a >= 0) {
        view.setUint32(at, b, true);
        view.setUint32(at + 4, a, true);
        continue;
      }
      // negative: its residue is value + q
      let rb = b + p.b;
      let ra = a + p.a;
      if (rb >= TWO32) {
        rb -= TWO32;
        ra += 1;
      }
      view.setUint32(at, rb, true);
      view.setUint32(at + 4, ra, true);
    }
  }
}

/**
 * A ciphertext blob shaped like `template` whose c0 is fresh smudging noise in
 * NTT form at the template's level (SEAL does the transform: the noise is
 * written in coefficient form with c1 = 1, then cipherTransformToNtt).
 */
export function smudgingNoiseNtt(ckks: CkksContext, template: Uint8Array, l: number, bits: number): Uint8Array {
  const { seal, context } = ckks;
  const n = ckks.params.polyModulusDegree;
  const primes = keyLevelPrimes(ckks).slice(0, l);
  const blob = template.slice();
  blob[48] = 0; // coefficient form: SEAL will transform it
  const view = header(blob);
  blob.fill(0, CT_DATA);
  writeNoiseResidues(view, CT_DATA, smudgingNoise(n, bits), primes);
  // c1 = 1: non-zero, or SEAL rejects the ciphertext as transparent
  for (let j = 0; j < l; j++) view.setUint32(CT_DATA + (l * n + j * n) * 8, 1, true);
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
