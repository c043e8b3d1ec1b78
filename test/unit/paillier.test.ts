/** Per-value Paillier (design "paillier"): fixed-point round trips, homomorphic sums, and what it refuses. */
import {
  decodeNodeFrame,
  encodeFrame,
  type NodeMessage,
  paillierAdd,
  paillierEncrypt,
  paillierKeyPair,
  paillierPublicKey,
  paillierWidth,
} from '@fedrisk/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { codeOf } from '../helpers/fixtures.ts';

describe('paillier', () => {
  let pair: Awaited<ReturnType<typeof paillierKeyPair>>;
  beforeAll(async () => {
    pair = await paillierKeyPair(2048);
  });

  it('adds encrypted partial logits slot by slot and decrypts the sums to within 1e-12', async () => {
    const pk = paillierPublicKey(pair.publicKey, 2048);
    const a = [-3.25, 0, 1e-9, 7.123456789];
    const b = [1.5, -0.75, -2e-9, -7.123456789];
    const sum = paillierAdd(pk, [await paillierEncrypt(pk, a, 2048), await paillierEncrypt(pk, b, 2048)], 4, 2048);
    expect(sum.length).toBe(4 * paillierWidth(2048));
    const out = await pair.decrypt(sum, 4);
    for (const [i, x] of a.entries()) expect(Math.abs((out[i] as number) - (x + (b[i] as number)))).toBeLessThan(1e-12);
  });

  it('encrypts the same value differently each time (fresh randomness)', async () => {
    const pk = paillierPublicKey(pair.publicKey, 2048);
    const [c1, c2] = [await paillierEncrypt(pk, [1], 2048), await paillierEncrypt(pk, [1], 2048)];
    expect(Buffer.from(c1).equals(Buffer.from(c2))).toBe(false);
  });

  it('refuses a key of the wrong size or parity, a value out of range, and a ciphertext outside n²', async () => {
    expect(codeOf(() => paillierPublicKey(pair.publicKey.subarray(1), 2048))).toBe('CRYPTO_ERR_PAILLIER');
    const even = Uint8Array.from(pair.publicKey);
    even[even.length - 1] = (even[even.length - 1] as number) & 0xfe;
    expect(codeOf(() => paillierPublicKey(even, 2048))).toBe('CRYPTO_ERR_PAILLIER');
    const pk = paillierPublicKey(pair.publicKey, 2048);
    await expect(paillierEncrypt(pk, [Number.NaN], 2048)).rejects.toMatchObject({ code: 'CRYPTO_ERR_PAILLIER' });
    await expect(paillierEncrypt(pk, [2 ** 41], 2048)).rejects.toMatchObject({ code: 'CRYPTO_ERR_PAILLIER' });
    const zero = new Uint8Array(paillierWidth(2048));
    expect(codeOf(() => paillierAdd(pk, [zero, zero], 1, 2048))).toBe('CRYPTO_ERR_PAILLIER');
    await expect(pair.decrypt(zero, 1)).rejects.toMatchObject({ code: 'CRYPTO_ERR_PAILLIER' });
  });

  it('frames carry exactly one ciphertext per value, and plain values 8 bytes each', () => {
    const ok: NodeMessage = { v: 1, type: 'paillier.partial', jobId: 'j', slots: 2, keyBits: 2048 };
    const { v: _v, ...msg } = ok;
    expect(decodeNodeFrame(encodeFrame<NodeMessage>(msg, [new Uint8Array(2 * 512)])).msg.type).toBe('paillier.partial');
    expect(codeOf(() => decodeNodeFrame(encodeFrame<NodeMessage>(msg, [new Uint8Array(2 * 512 - 1)])))).toBe('PROTO_ERR_INVALID');
    expect(codeOf(() => decodeNodeFrame(encodeFrame<NodeMessage>({ type: 'plain.partial', jobId: 'j', slots: 3 }, [new Uint8Array(23)])))).toBe(
      'PROTO_ERR_INVALID',
    );
  });
});

describe('the designs in a scenario', () => {
  it('paillier has 2048-bit keys and a sample of 32 by default; an attack is refused next to a design that is not CKKS', async () => {
    const { loadScenario, parseScenario } = await import('@fedrisk/shared');
    const { readFileSync } = await import('node:fs');
    const base = await loadScenario(new URL('../../scenarios/designs.yaml', import.meta.url).pathname);
    expect(base.job.compareWith).toEqual(['single-holder', 'plaintext', 'paillier']);
    expect(base.crypto.paillier).toEqual({ keyBits: 2048, sample: 32 });
    const probe = readFileSync(new URL('../../scenarios/attacks/psi-probe.yaml', import.meta.url), 'utf8');
    expect(() => parseScenario(probe, 'psi-probe.yaml')).not.toThrow();
    expect(probe).toContain('compareWith: []');
    const withPaillier = probe.replace('compareWith: []', 'compareWith: [paillier]');
    expect(() => parseScenario(withPaillier, 'psi-probe.yaml')).toThrow(/attacks are staged under the CKKS designs \(threshold, single-holder\), not paillier/);
  });
});
