/**
 * SEAL's serialized layout (SEAL 4.1, compression none, little endian), for
 * the threshold protocol, which works on serialized objects because SEAL has
 * no multiparty mode:
 *
 *   Ciphertext / PublicKey: 16-byte header, parms_id (32), is_ntt_form u8 @48,
 *     size u64 @49, N u64 @57, L u64 @65, scale f64 @73, correction u64 @81,
 *     array header, count u64 @105, residues from byte 113, index (poly*L + j)*N + k.
 *   Plaintext / SecretKey: header, parms_id, coeff_count u64 @48, scale f64 @56,
 *     count u64 @80, data from byte 88, index j*N + k.
 */

import { FedError } from '../util/errors.ts';
import type { CkksContext } from './ckks.ts';

export const CT_DATA = 113;
export const PT_DATA = 88;

export function u64(bytes: Uint8Array, at: number, count: number): BigUint64Array {
  // copy: SEAL's layout puts residues at odd offsets, which typed views cannot use
  return new BigUint64Array(bytes.slice(at, at + count * 8).buffer);
}

export function putU64(bytes: Uint8Array, at: number, values: BigUint64Array): void {
  bytes.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), at);
}

export function header(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function checkUncompressed(bytes: Uint8Array, what: string): void {
  if (bytes.length < CT_DATA || header(bytes).getUint16(0, true) !== 0xa15e || bytes[5] !== 0) {
    throw new FedError('CRYPTO_ERR_BAD_CIPHERTEXT', `${what} is not an uncompressed SEAL object`);
  }
}

const primeCache = new WeakMap<CkksContext, bigint[]>();

/** The RNS primes at the key level (data primes, then the special prime). */
export function keyLevelPrimes(ckks: CkksContext): bigint[] {
  const cached = primeCache.get(ckks);
  if (cached) return cached;
  const moduli = ckks.context.keyContextData().parms().coeffModulus();
  const out: bigint[] = [];
  for (let j = 0; j < moduli.size(); j++) out.push((moduli.get(j) as { value(): bigint }).value());
  moduli.delete();
  primeCache.set(ckks, out);
  return out;
}

/** Polynomials of a public-key-shaped blob (2 polys at the key level). */
export interface KeyPolys {
  n: number;
  primes: bigint[];
  b: BigUint64Array;
  a: BigUint64Array;
  template: Uint8Array;
}

export function readKeyPolys(ckks: CkksContext, blob: Uint8Array, what: string): KeyPolys {
  checkUncompressed(blob, what);
  const h = header(blob);
  const n = Number(h.getBigUint64(57, true));
  const l = Number(h.getBigUint64(65, true));
  const primes = keyLevelPrimes(ckks);
  if (h.getBigUint64(49, true) !== 2n || n !== ckks.params.polyModulusDegree || l !== primes.length || blob.length !== CT_DATA + 2 * l * n * 8) {
    throw new FedError('CRYPTO_ERR_BAD_CIPHERTEXT', `${what} does not have the shape of a public key for this job`);
  }
  return { n, primes, b: u64(blob, CT_DATA, l * n), a: u64(blob, CT_DATA + l * n * 8, l * n), template: blob };
}

export interface CiphertextPolys {
  l: number;
  scale: number;
  c0: BigUint64Array;
  c1: BigUint64Array;
}

/** Checks a ciphertext's shape and reads its level and scale, without copying its polynomials. */
export function ciphertextShape(ckks: CkksContext, blob: Uint8Array): { l: number; scale: number } {
  checkUncompressed(blob, 'ciphertext');
  const h = header(blob);
  const n = Number(h.getBigUint64(57, true));
  const l = Number(h.getBigUint64(65, true));
  if (blob[48] !== 1 || h.getBigUint64(49, true) !== 2n || n !== ckks.params.polyModulusDegree || blob.length !== CT_DATA + 2 * l * n * 8) {
    throw new FedError('CRYPTO_ERR_BAD_CIPHERTEXT', 'the ciphertext to decrypt is not a fresh-size NTT-form ciphertext of this job');
  }
  return { l, scale: h.getFloat64(73, true) };
}

export function readCiphertext(ckks: CkksContext, blob: Uint8Array): CiphertextPolys {
  const { l, scale } = ciphertextShape(ckks, blob);
  const n = ckks.params.polyModulusDegree;
  return { l, scale, c0: u64(blob, CT_DATA, l * n), c1: u64(blob, CT_DATA + l * n * 8, l * n) };
}
