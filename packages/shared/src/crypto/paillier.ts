/**
 * Per-value Paillier, as FATE's hetero-LR uses it: one ciphertext mod n² per
 * value, homomorphic addition by multiplying ciphertexts. Arithmetic is
 * paillier-bigint's (MIT; JavaScript BigInt, decryption by the CRT). Values
 * are fixed point: round(x · 2^52) taken mod n, negatives as n - |m|, so a
 * sum of a few partial logits decodes with an error near 2^-52 each.
 * On the wire a key is n, and a vector is its ciphertexts back to back, each
 * big-endian in exactly 2 · keyBits / 8 bytes.
 */
import { createRequire } from 'node:module';
import type * as Paillier from 'paillier-bigint';
import type { PrivateKey, PublicKey } from 'paillier-bigint';
import { FedError } from '../util/errors.ts';

// loaded when a paillier job runs, not in every process that loads this package
const requireLazily = createRequire(import.meta.url);
const paillier = (): typeof Paillier => requireLazily('paillier-bigint') as typeof Paillier;

/** Fixed point: 52 fraction bits, the precision of a double's mantissa. */
const SCALE = 2 ** 52;
/** The largest |value| encoded: far below n / 2 even for many parties. */
const MAX_ABS = 2 ** 40;

export interface PaillierKeyPair {
  readonly keyBits: number;
  /** n, big-endian, keyBits / 8 bytes: what the key holder publishes */
  readonly publicKey: Uint8Array;
  /** decrypts `count` values of a vector; counted by the caller's ledger */
  decrypt(vector: Uint8Array, count: number, opts?: PaillierProgress): Promise<Float64Array>;
}

export interface PaillierProgress {
  signal?: AbortSignal | undefined;
  onProgress?: ((done: number, total: number) => void) | undefined;
}

function toBytes(x: bigint, bytes: number): Uint8Array {
  const hex = x.toString(16);
  if (hex.length > bytes * 2) throw new FedError('CRYPTO_ERR_PAILLIER', `a Paillier value needs more than ${bytes} bytes`);
  return Uint8Array.from(Buffer.from(hex.padStart(bytes * 2, '0'), 'hex'));
}

function fromBytes(b: Uint8Array): bigint {
  return b.length ? BigInt(`0x${Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')}`) : 0n;
}

/** Bytes of one ciphertext for a modulus of keyBits bits. */
export function paillierWidth(keyBits: number): number {
  return (2 * keyBits) / 8;
}

/** A public key from its bytes; refuses a modulus of the wrong size or an even one. */
export function paillierPublicKey(bytes: Uint8Array, keyBits: number): PublicKey {
  const n = fromBytes(bytes);
  if (bytes.length !== keyBits / 8 || n.toString(2).length !== keyBits || n % 2n === 0n)
    throw new FedError('CRYPTO_ERR_PAILLIER', `the Paillier public key is not an odd ${keyBits}-bit modulus`);
  return new (paillier().PublicKey)(n, n + 1n);
}

/** Lets the event loop breathe between ciphertexts (one takes about a hundred milliseconds) and stops when aborted. */
async function step(i: number, total: number, opts: PaillierProgress | undefined): Promise<void> {
  if (opts?.signal?.aborted) throw new FedError('JOB_ERR_ABORTED', 'Paillier computation aborted');
  opts?.onProgress?.(i, total);
  await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Encrypts each value under the key, fixed point; the vector's ciphertexts back to back. */
export async function paillierEncrypt(pk: PublicKey, values: ArrayLike<number>, keyBits: number, opts?: PaillierProgress): Promise<Uint8Array> {
  const width = paillierWidth(keyBits);
  const out = new Uint8Array(values.length * width);
  for (let i = 0; i < values.length; i++) {
    const x = values[i] as number;
    if (!Number.isFinite(x) || Math.abs(x) > MAX_ABS) throw new FedError('CRYPTO_ERR_PAILLIER', `value ${i} is not a finite number within ±2^40`);
    const m = BigInt(Math.round(x * SCALE));
    // with g = n + 1, g^m = 1 + m·n (mod n²): only the random factor r^n needs an exponentiation
    // (the library's encrypt(0) is exactly r^n mod n², with r drawn as it draws it), as FATE does
    const gm = (1n + (m < 0n ? pk.n + m : m) * pk.n) % pk._n2;
    out.set(toBytes((gm * pk.encrypt(0n)) % pk._n2, width), i * width);
    await step(i + 1, values.length, opts);
  }
  opts?.onProgress?.(values.length, values.length);
  return out;
}

/** Slot-wise sum of several parties' vectors, under encryption: the product of the ciphertexts mod n². */
export function paillierAdd(pk: PublicKey, vectors: readonly Uint8Array[], count: number, keyBits: number): Uint8Array {
  const width = paillierWidth(keyBits);
  for (const v of vectors)
    if (v.length !== count * width) throw new FedError('CRYPTO_ERR_PAILLIER', `a Paillier vector has ${v.length} bytes, not ${count} x ${width}`);
  const out = new Uint8Array(count * width);
  for (let i = 0; i < count; i++) {
    const cs = vectors.map((v) => fromBytes(v.subarray(i * width, (i + 1) * width)));
    for (const c of cs) if (c <= 0n || c >= pk._n2) throw new FedError('CRYPTO_ERR_PAILLIER', `ciphertext ${i} is not a residue mod n²`);
    out.set(toBytes(pk.addition(...cs), width), i * width);
  }
  return out;
}

/** A fresh key pair (the primes take a second or two at 2048 bits). */
export async function paillierKeyPair(keyBits: number): Promise<PaillierKeyPair> {
  const { publicKey, privateKey } = await paillier().generateRandomKeys(keyBits, true);
  const sk: PrivateKey = privateKey;
  const width = paillierWidth(keyBits);
  const half = publicKey.n / 2n;
  return {
    keyBits,
    publicKey: toBytes(publicKey.n, keyBits / 8),
    decrypt: async (vector, count, opts) => {
      if (vector.length !== count * width) throw new FedError('CRYPTO_ERR_PAILLIER', `the Paillier sum has ${vector.length} bytes, not ${count} x ${width}`);
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) {
        const c = fromBytes(vector.subarray(i * width, (i + 1) * width));
        if (c <= 0n || c >= publicKey._n2) throw new FedError('CRYPTO_ERR_PAILLIER', `ciphertext ${i} of the sum is not a residue mod n²`);
        const m = sk.decrypt(c);
        out[i] = Number(m > half ? m - publicKey.n : m) / SCALE;
        await step(i + 1, count, opts);
      }
      opts?.onProgress?.(count, count);
      return out;
    },
  };
}
