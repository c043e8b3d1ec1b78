import { createPsiKey, createPsiPool, createRng, type FedError, makeUscc, type PsiHash, pointKeys, securePermutation } from '@fedrisk/shared';
import { afterAll, describe, expect, it } from 'vitest';

const pool = createPsiPool(2);
afterAll(() => pool.close());

/** Two sets with a seeded overlap, and the plain intersection. */
function sets(nA: number, nB: number, overlap: number, seed: number) {
  const rng = createRng(seed);
  const ids = new Set<string>();
  while (ids.size < nA + nB - overlap) ids.add(makeUscc('370100', rng.int(0, 99_999_999)));
  const all = [...ids];
  const a = all.slice(0, nA);
  const b = [...all.slice(nA - overlap, nA), ...all.slice(nA)];
  return { a, b, truth: new Set(a.slice(nA - overlap)) };
}

/** The protocol's arithmetic, both sides in one place. */
async function intersect(a: string[], b: string[], kind: PsiHash = 'random-oracle'): Promise<Set<string>> {
  const ka = createPsiKey();
  const kb = createPsiKey();
  const blindedA = await pool.blind(await pool.hash(a, 'test', kind), ka);
  const doubleA = pointKeys(await pool.blind(blindedA, kb)); // holder keeps the bank's order
  const perm = securePermutation(b.length);
  const shuffledB = perm.length ? Array.from(perm, (i) => b[i] as string) : [];
  const blindedB = await pool.blind(await pool.hash(shuffledB, 'test', kind), kb);
  const doubleB = new Set(pointKeys(await pool.blind(blindedB, ka)));
  return new Set(a.filter((_, i) => doubleB.has(doubleA[i] as string)));
}

describe.each(['random-oracle', 'sha256'] as const)('ECDH-PSI (X25519 on Curve25519), hash %s', (kind) => {
  it('finds exactly the plain intersection on random sets with a seeded overlap', async () => {
    for (const [nA, nB, overlap, seed] of [
      [300, 500, 120, 1],
      [50, 2000, 50, 2],
      [1, 1, 0, 3],
    ] as const) {
      const { a, b, truth } = sets(nA, nB, overlap, seed);
      expect(await intersect(a, b, kind)).toEqual(truth);
    }
  });

  it('uses the worker threads for large batches and gets the same answer', async () => {
    const { a, b, truth } = sets(9000, 6000, 2500, 4);
    const got = await intersect(a, b, kind);
    expect(got.size).toBe(2500);
    expect(got).toEqual(truth);
  });

  it('maps an id to a different point under each hash and each domain', async () => {
    const id = makeUscc('370200', 78);
    const here = (await pool.hash([id], 'test', kind)).toString('hex');
    expect((await pool.hash([id], 'other', kind)).toString('hex')).not.toBe(here);
    expect((await pool.hash([id], 'test', kind === 'sha256' ? 'random-oracle' : 'sha256')).toString('hex')).not.toBe(here);
  });
});

describe('ECDH-PSI', () => {
  it('handles empty sets', async () => {
    expect(await intersect([], ['91370100MA3C5L2X1Y'])).toEqual(new Set());
    expect((await pool.hash([], 'x')).length).toBe(0);
  });

  it('blinded points reveal neither the id nor a plain hash of it', async () => {
    const id = makeUscc('370200', 77);
    const blinded = await pool.blind(await pool.hash([id], 'test'), createPsiKey());
    const { createHash } = await import('node:crypto');
    for (const alg of ['sha256', 'sha512']) {
      const h = createHash(alg).update(id).digest();
      expect(blinded.includes(h.subarray(0, 16))).toBe(false);
    }
    expect(blinded.includes(Buffer.from(id))).toBe(false);
    // the same id blinded under two keys gives unrelated values
    const other = await pool.blind(await pool.hash([id], 'test'), createPsiKey());
    expect(other.equals(blinded)).toBe(false);
  });

  it('refuses a point of small order, naming it', async () => {
    const bad = Buffer.alloc(64); // u = 0 is a point of order 2
    bad[32] = 9; // the second is the base point: fine
    try {
      await pool.blind(bad, createPsiKey());
      expect.unreachable();
    } catch (err) {
      expect((err as FedError).code).toBe('CRYPTO_ERR_PSI');
      expect((err as FedError).message).toContain('point 0');
    }
  });
});
