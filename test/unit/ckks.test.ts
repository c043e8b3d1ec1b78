import {
  chunkCount,
  createCkksContext,
  createRng,
  DEFAULT_CKKS,
  encryptVector,
  type FedError,
  generateKeyPair,
  loadSeal,
  sumCiphertexts,
  TRAINING_CKKS,
} from '@fedrisk/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { codeOf } from '../helpers/fixtures.ts';

let seal: Awaited<ReturnType<typeof loadSeal>>;
beforeAll(async () => {
  seal = await loadSeal();
});

describe('CKKS helpers (real SEAL)', () => {
  it('adds partial scores under encryption within 1e-6 of plaintext', async () => {
    using holder = createCkksContext(seal, DEFAULT_CKKS);
    using keys = generateKeyPair(holder);
    const rng = createRng(3);
    const n = 5000; // two ciphertexts, the second partly filled
    const parts = [0, 1, 2].map(() => Float64Array.from({ length: n }, () => 3 * rng.normal()));
    // each party and the coordinator use their own context, as separate processes do
    using bank = createCkksContext(seal, DEFAULT_CKKS);
    using tax = createCkksContext(seal, DEFAULT_CKKS);
    using guarantor = createCkksContext(seal, DEFAULT_CKKS);
    const enc = await Promise.all([bank, tax, guarantor].map((ctx, i) => encryptVector(ctx, keys.publicKeyBytes, parts[i] as Float64Array)));
    expect(enc[0]).toHaveLength(chunkCount(holder, n));
    using coordinatorCtx = createCkksContext(seal, DEFAULT_CKKS);
    const sum = await sumCiphertexts(coordinatorCtx, enc);
    const out = await keys.decrypt(sum, n);
    let maxErr = 0;
    for (let i = 0; i < n; i++) maxErr = Math.max(maxErr, Math.abs((out[i] as number) - parts.reduce((s, p) => s + (p[i] as number), 0)));
    expect(maxErr).toBeLessThan(1e-6);
  });

  it('refuses parameters below 128-bit security, saying why', () => {
    try {
      createCkksContext(seal, { ...DEFAULT_CKKS, polyModulusDegree: 4096 });
      expect.unreachable();
    } catch (err) {
      expect((err as FedError).code).toBe('CRYPTO_ERR_INSECURE_PARAMS');
      expect((err as FedError).message).toContain('at most 109 bits');
    }
    expect(codeOf(() => createCkksContext(seal, { ...DEFAULT_CKKS, coeffModulusBits: [60, 40, 40, 40, 40, 60] }))).toBe('CRYPTO_ERR_INSECURE_PARAMS');
    expect(codeOf(() => createCkksContext(seal, { ...DEFAULT_CKKS, scaleBits: 120 }))).toBe('CRYPTO_ERR_INVALID_PARAMS');
  });

  it('refuses bytes that are not a ciphertext', () => {
    using ctx = createCkksContext(seal, DEFAULT_CKKS);
    expect(codeOf(() => ctx.loadCiphertext(Uint8Array.from([1, 2, 3]), 'test input'))).toBe('CRYPTO_ERR_BAD_CIPHERTEXT');
  });

  it('builds a context once per SEAL instance and parameter set, and keeps it for the next job after every handle is done', async () => {
    const first = createCkksContext(seal, TRAINING_CKKS);
    const context = first.context;
    first.delete();
    first.delete(); // idempotent
    using again = createCkksContext(seal, TRAINING_CKKS);
    expect(again.context).toBe(context);
    // and it still works after the first handle was deleted
    using keys = generateKeyPair(again);
    const enc = await encryptVector(again, keys.publicKeyBytes, Float64Array.of(1.5));
    const out = await keys.decrypt(await sumCiphertexts(again, [enc]), 1);
    expect(Math.abs((out[0] as number) - 1.5)).toBeLessThan(1e-6);
    // other parameters, or another SEAL instance, get their own
    using other = createCkksContext(seal, DEFAULT_CKKS);
    expect(other.context).not.toBe(context);
    using elsewhere = createCkksContext(await loadSeal(), TRAINING_CKKS);
    expect(elsewhere.context).not.toBe(context);
  });
});
