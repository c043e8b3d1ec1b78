import {
  type CkksContext,
  type CkksParams,
  combineShares,
  createCkksContext,
  createRng,
  createThresholdParty,
  crsSeed,
  encryptVector,
  type FedError,
  loadSeal,
  noiseAt,
  smudgingNoise,
  sumCiphertexts,
  type ThresholdParty,
  thresholdNoise,
  writeNoiseResidues,
} from '@fedrisk/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf } from '../helpers/fixtures.ts';

const PARAMS: CkksParams = { polyModulusDegree: 8192, coeffModulusBits: [60, 60, 60], scaleBits: 80, compression: 'none' };
let seal: Awaited<ReturnType<typeof loadSeal>>;
/** Three parties, each with its own context (as separate processes have), and the collective key they formed. */
let world: { ctxs: CkksContext[]; parties: ThresholdParty[]; pk: Uint8Array };
let draws = 0;

beforeAll(async () => {
  seal = await loadSeal();
  const ctxs = [0, 1, 2].map(() => createCkksContext(seal, PARAMS));
  const seed = crsSeed('job-test');
  const parties = ctxs.map((c) => createThresholdParty(c, seed));
  const shares = parties.map((p) => p.shareBytes);
  const pk = parties[0]?.collectivePublicKey(shares) as Uint8Array;
  // every party derives the same collective key on its own
  expect(Buffer.from(parties[1]?.collectivePublicKey(shares) as Uint8Array).equals(Buffer.from(pk))).toBe(true);
  world = { ctxs, parties, pk };
});

afterAll(() => {
  for (const p of world?.parties ?? []) p.delete();
  for (const c of world?.ctxs ?? []) c.delete();
});

/** Each party encrypts a fresh vector under the collective key; returns the summed ciphertexts and the plaintext sum. */
async function freshSum(n = 4096) {
  const rng = createRng(9 + draws++);
  const inputs = [0, 1, 2].map(() => Float64Array.from({ length: n }, () => 4 * rng.normal()));
  const encrypted = await Promise.all(inputs.map((v, i) => encryptVector(world.ctxs[i] as CkksContext, world.pk, v)));
  const sum = await sumCiphertexts(world.ctxs[0] as CkksContext, encrypted);
  const truth = Float64Array.from({ length: n }, (_, i) => inputs.reduce((s, v) => s + (v[i] as number), 0));
  return { parties: world.parties, sum, truth, ctx: world.ctxs[0] as CkksContext };
}

function maxError(got: Float64Array, truth: Float64Array): number {
  let m = 0;
  for (let i = 0; i < truth.length; i++) m = Math.max(m, Math.abs((got[i] as number) - (truth[i] as number)));
  return m;
}

describe('threshold CKKS (real SEAL)', () => {
  const noise = thresholdNoise(PARAMS.polyModulusDegree, 3, 3, PARAMS.scaleBits);

  it('3 of 3 shares decrypt the sum within the documented bound', async () => {
    const { parties, sum, truth, ctx } = await freshSum();
    const ct = sum[0] as Uint8Array;
    const shares = parties.map((p) => p.decryptionShare(ct, noise.smudgingBits));
    const got = combineShares(ctx, ct, shares);
    const err = maxError(got, truth);
    expect(err).toBeLessThanOrEqual(1e-4);
    expect(err).toBeLessThan(8 * noise.expectedSlotErrorStd);
    // the smudging noise is really there: far above CKKS encoding error alone
    expect(err).toBeGreaterThan(1e-9);
  });

  it('two shares of three, or one party key alone, give values far from the truth', async () => {
    // [0] alone is c0 + c1*s_0 (+ noise): exactly decryption under one party's own secret key
    for (const subset of [[0, 1], [0, 2], [1, 2], [0]]) {
      const fresh = await freshSum(); // shares are one-shot per ciphertext, so take a fresh one
      const shares = subset.map((i) => (fresh.parties[i] as (typeof fresh.parties)[number]).decryptionShare(fresh.sum[0] as Uint8Array, noise.smudgingBits));
      const got = combineShares(fresh.ctx, fresh.sum[0] as Uint8Array, shares);
      let meanAbs = 0;
      for (let i = 0; i < fresh.truth.length; i++) meanAbs += Math.abs((got[i] as number) - (fresh.truth[i] as number)) / fresh.truth.length;
      // a missing share leaves c1*s_j, uniform modulo q: decoded values are of the order q / scale, not of the data
      expect(meanAbs, `shares ${subset.join(',')}`).toBeGreaterThan(1e6);
    }
  });

  it('refuses a second share for the same ciphertext', async () => {
    const { parties, sum } = await freshSum(16);
    const p = parties[0];
    p?.decryptionShare(sum[0] as Uint8Array, noise.smudgingBits);
    try {
      p?.decryptionShare(sum[0] as Uint8Array, noise.smudgingBits);
      expect.unreachable();
    } catch (err) {
      expect((err as FedError).code).toBe('CRYPTO_ERR_SHARE_REPLAY');
    }
  });

  it('smudging noise has the configured spread and no bias, up to the widths threshold training needs', () => {
    for (const bits of [54, 70]) {
      const sample = smudgingNoise(200_000, bits);
      const e = Array.from(sample.hi, (_, k) => Number(noiseAt(sample, k)));
      let mean = 0;
      for (const x of e) mean += x;
      mean /= e.length;
      let v = 0;
      for (const x of e) v += (x - mean) ** 2;
      const std = Math.sqrt(v / e.length);
      expect(std / 2 ** bits).toBeGreaterThan(0.99);
      expect(std / 2 ** bits).toBeLessThan(1.01);
      expect(Math.abs(mean) / 2 ** bits).toBeLessThan(0.01);
      // Gaussian, not uniform: about 68.3 % within one sigma
      let within = 0;
      for (const x of e) if (Math.abs(x) < 2 ** bits) within++;
      expect(within / e.length).toBeGreaterThan(0.675);
      expect(within / e.length).toBeLessThan(0.69);
      // the low part covers its whole range: no low bit is fixed
      const half = 2 ** (sample.shift - 1);
      expect(Math.min(...sample.lo.subarray(0, 50_000))).toBeLessThan(-0.99 * half);
      expect(Math.max(...sample.lo.subarray(0, 50_000))).toBeGreaterThan(0.99 * half - 1);
    }
    expect(codeOf(() => smudgingNoise(8, 80))).toBe('CRYPTO_ERR_INVALID_PARAMS');
  });

  it('writes smudging noise modulo each prime exactly as BigInt arithmetic does, for large and small primes', () => {
    // 60- and 61-bit primes as CKKS uses, and smaller ones that some noise exceeds
    const primes = [1152921504606846883n /* 2^60 - 93 */, 2305843009213693951n /* 2^61 - 1 */, 1099511627689n /* 2^40 - 87 */, 4294967291n /* 2^32 - 5 */];
    const big = 2n ** 32n;
    for (const bits of [17, 30, 54, 62, 65, 70, 79]) {
      const e = smudgingNoise(4096, bits);
      const scale = 2n ** BigInt(e.shift);
      let k = 0;
      /** sets the next coefficient to v, as hi * 2^shift + lo with lo in [0, 2^shift) */
      const put = (v: bigint) => {
        const hi = v >= 0n ? v / scale : -((-v + scale - 1n) / scale);
        e.hi[k] = Number(hi);
        e.lo[k] = Number(v - hi * scale);
        k++;
      };
      // values at the word boundaries, where a carry or borrow crosses 2^32
      for (const v of [0n, 1n, -1n, big - 1n, big, big + 1n, -big, -big - 1n, -big + 1n, 2n ** 53n + 1n, -(2n ** 53n) - 1n]) put(v);
      // and at each prime, and where the fast path ends
      for (const p of primes) {
        const words = p / big;
        for (const v of [p - 1n, p, p + 1n, (words - 2n) * big + big - 1n, (words - 1n) * big, words * big]) {
          put(v);
          put(-v);
        }
      }
      // lo anywhere in Int32, as a sample may hold: both corrections of the low word
      for (const [hi, lo] of [
        [65535, 2 ** 31 - 1],
        [-65536, -(2 ** 31)],
        [0, -(2 ** 31)],
      ] as const) {
        e.hi[k] = hi;
        e.lo[k] = lo;
        k++;
      }
      const out = new Uint8Array(e.hi.length * primes.length * 8);
      writeNoiseResidues(new DataView(out.buffer), 0, e, primes);
      const got = new BigUint64Array(out.buffer);
      primes.forEach((q, j) => {
        for (let c = 0; c < e.hi.length; c++) {
          const x = noiseAt(e, c) % q;
          if (got[j * e.hi.length + c] !== (x < 0n ? x + q : x)) expect.fail(`bits ${bits}, prime ${q}, coefficient ${c}: ${got[j * e.hi.length + c]} != ${x}`);
        }
      });
    }
  });

  it('documents a 40-bit margin between noise bound and smudging width', () => {
    expect(noise.smudgingBits - noise.noiseBoundBits).toBe(40);
    expect(noise.expectedSlotErrorStd).toBeLessThan(1e-4 / 6);
  });
});
