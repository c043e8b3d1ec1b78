/**
 * ECDH-PSI between the recipient (bank) and each data holder, relayed by the
 * coordinator, which sees only blinded points:
 *
 *   bank    -> holder : [a]H(x) for every applicant x, in the bank's order
 *   holder  -> bank   : [b][a]H(x) in the same order (psi) or shuffled (psi-cardinality),
 *                       and [b]H(y) for every customer y, shuffled
 *   bank              : [a][b]H(y) for each customer; equal values are the intersection
 *   bank    -> holder : (psi only) for each matching customer, its position in the
 *                       holder's shuffled list and its slot in the bank's order
 *
 * Assumption: decisional Diffie-Hellman in the prime-order subgroup of
 * Curve25519, H a random oracle, semi-honest parties. Leaks: the bank learns
 * the intersection (psi) or only its size (psi-cardinality) and the holder's
 * set size; the holder learns the bank's set size and, under psi, which of its
 * own customers are applicants and at which slot. Nobody learns anything about
 * ids outside the intersection; the coordinator learns the set sizes.
 */
import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { FedError } from '../util/errors.ts';
import type { PsiHash } from '../wire/ids.ts';
import { blindPoints, hashIdsToPoints, POINT_BYTES } from './psi-core.ts';

export { blindPoints, createPsiKey, hashIdsToPoints } from './psi-core.ts';

/** below this many items the work runs on the calling thread: a worker costs more than it saves */
const PARALLEL_MIN = 4096;

export interface PsiPool {
  /** ids to points under the job's hash to the curve (random-oracle when not given) */
  hash(ids: readonly string[], domain: string, kind?: PsiHash): Promise<Buffer>;
  blind(points: Uint8Array, key: Uint8Array): Promise<Buffer>;
  /** stops the worker threads; idempotent */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

type Reply = { ok: true; out: Uint8Array } | { ok: false; error: string };

/** Hashing and blinding spread over worker threads (one per core by default). */
export function createPsiPool(threads = 2): PsiPool {
  const workers: Worker[] = [];
  // several batches may run at once (a holder blinds its own set while answering the bank): match replies by id
  const pending = new Map<number, { resolve: (b: Buffer) => void; reject: (e: FedError) => void }>();
  let nextId = 0;
  const ensure = (): Worker[] => {
    while (workers.length < threads) {
      const w = new Worker(new URL('./psi-worker.ts', import.meta.url));
      w.unref();
      w.on('message', (reply: Reply & { id: number }) => {
        const p = pending.get(reply.id);
        pending.delete(reply.id);
        if (!p) return;
        if (reply.ok) p.resolve(Buffer.from(reply.out.buffer, reply.out.byteOffset, reply.out.byteLength));
        else p.reject(new FedError('CRYPTO_ERR_PSI', reply.error));
      });
      w.on('error', (err) => {
        for (const p of pending.values()) p.reject(new FedError('CRYPTO_ERR_PSI', `PSI worker failed: ${err.message}`, { cause: err }));
        pending.clear();
      });
      workers.push(w);
    }
    return workers;
  };
  const run = (w: Worker, job: object): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      w.postMessage({ ...job, id });
    });
  const split = (n: number): [number, number][] => {
    const parts = Math.min(threads, Math.max(1, Math.ceil(n / PARALLEL_MIN)));
    const size = Math.ceil(n / parts);
    return Array.from({ length: parts }, (_, k) => [k * size, Math.min(n, (k + 1) * size)] as [number, number]).filter(([a, b]) => b > a);
  };
  const wrap = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      throw new FedError('CRYPTO_ERR_PSI', (err as Error).message, { cause: err });
    }
  };
  const close = async (): Promise<void> => {
    await Promise.all(workers.splice(0).map((w) => w.terminate()));
  };
  return {
    hash: async (ids, domain, kind = 'random-oracle') => {
      if (ids.length < PARALLEL_MIN || threads < 2) return wrap(() => hashIdsToPoints(ids, domain, kind));
      const pool = ensure();
      const parts = await Promise.all(split(ids.length).map(([a, b], k) => run(pool[k] as Worker, { op: 'hash', ids: ids.slice(a, b), domain, kind })));
      return Buffer.concat(parts);
    },
    blind: async (points, key) => {
      const n = points.length / POINT_BYTES;
      if (!Number.isInteger(n)) throw new FedError('CRYPTO_ERR_PSI', `blinded points must be ${POINT_BYTES}-byte values; got ${points.length} bytes`);
      if (n < PARALLEL_MIN || threads < 2) return wrap(() => blindPoints(Buffer.from(points.buffer, points.byteOffset, points.byteLength), Buffer.from(key)));
      const pool = ensure();
      const parts = await Promise.all(
        split(n).map(([a, b], k) => run(pool[k] as Worker, { op: 'blind', points: points.slice(a * POINT_BYTES, b * POINT_BYTES), key: Uint8Array.from(key) })),
      );
      return Buffer.concat(parts);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Splits a concatenation of points into hex strings, for set lookups. */
export function pointKeys(points: Uint8Array): string[] {
  const buf = Buffer.from(points.buffer, points.byteOffset, points.byteLength);
  const out = new Array<string>(buf.length / POINT_BYTES);
  for (let i = 0; i < out.length; i++) out[i] = buf.toString('hex', i * POINT_BYTES, (i + 1) * POINT_BYTES);
  return out;
}

/** A uniformly random permutation of 0..n-1 from the cryptographic RNG. */
export function securePermutation(n: number): Uint32Array {
  const perm = Uint32Array.from({ length: n }, (_, i) => i);
  const bytes = randomBytes(4 * Math.max(1, n));
  const rand = new Uint32Array(bytes.buffer, bytes.byteOffset, Math.max(1, n));
  for (let i = n - 1; i > 0; i--) {
    // rejection-free but slightly biased for huge n; bias < n / 2^32, negligible here
    const j = Math.floor(((rand[i] as number) / 2 ** 32) * (i + 1));
    const t = perm[i] as number;
    perm[i] = perm[j] as number;
    perm[j] = t;
  }
  return perm;
}
