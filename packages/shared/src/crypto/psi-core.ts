/**
 * ECDH private set intersection primitives (self-contained: worker threads
 * load this file directly).
 *
 * Group: the prime-order subgroup of Curve25519. An id is hashed to the group
 * with libsodium's Elligator 2 map (crypto_core_ed25519_from_uniform, which
 * lands in the prime-order subgroup) applied to both halves of a SHA-512 of a
 * domain tag and the id and added, the random-oracle construction of RFC 9380;
 * the Edwards point is then written as its Montgomery u-coordinate,
 * u = (1 + y) / (1 - y), so blinding can use X25519, the fastest scalar
 * multiplication libsodium has. X25519 clamps scalars to multiples of the
 * cofactor, so [a][b]H(x) = [b][a]H(x): blinding commutes.
 */
import { createHash, randomBytes } from 'node:crypto';
import sodium from 'sodium-native';

export const POINT_BYTES = 32;
const P = 2n ** 255n - 19n;
const MASK64 = (1n << 64n) - 1n;

function modPow(base: bigint, exp: bigint): bigint {
  let result = 1n;
  let b = base % P;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
    e >>= 1n;
  }
  return result;
}

function readLe(buf: Buffer, at: number): bigint {
  return buf.readBigUInt64LE(at) | (buf.readBigUInt64LE(at + 8) << 64n) | (buf.readBigUInt64LE(at + 16) << 128n) | (buf.readBigUInt64LE(at + 24) << 192n);
}

function writeLe(buf: Buffer, at: number, value: bigint): void {
  buf.writeBigUInt64LE(value & MASK64, at);
  buf.writeBigUInt64LE((value >> 64n) & MASK64, at + 8);
  buf.writeBigUInt64LE((value >> 128n) & MASK64, at + 16);
  buf.writeBigUInt64LE((value >> 192n) & MASK64, at + 24);
}

/** A party's secret blinding scalar for one job (32 random bytes; X25519 clamps it). */
export function createPsiKey(): Buffer {
  return randomBytes(32);
}

/**
 * SHA-256 of the domain tag and the id, its top bit cleared (X25519 ignores it), used as
 * an X25519 u-coordinate as it is: a point of the curve or of its twist, whose groups both
 * have a large prime-order subgroup (Curve25519 is twist-secure), and X25519's clamping
 * removes the small cofactor part. One hash per id, no map to the curve.
 */
function sha256Points(ids: readonly string[], domain: string): Buffer {
  const out = Buffer.alloc(ids.length * POINT_BYTES);
  const prefix = createHash('sha256').update(domain).update('\u0000');
  for (let i = 0; i < ids.length; i++) {
    prefix
      .copy()
      .update(ids[i] as string)
      .digest()
      .copy(out, i * POINT_BYTES);
    out[i * POINT_BYTES + 31] = (out[i * POINT_BYTES + 31] as number) & 0x7f;
  }
  return out;
}

/** Hashes ids to group elements (Montgomery u-coordinates, 32 bytes each, concatenated). */
export function hashIdsToPoints(ids: readonly string[], domain: string, kind: 'sha256' | 'random-oracle' = 'random-oracle'): Buffer {
  if (kind === 'sha256') return sha256Points(ids, domain);
  const n = ids.length;
  const out = Buffer.alloc(n * POINT_BYTES);
  const e1 = Buffer.alloc(32);
  const e2 = Buffer.alloc(32);
  const edwards = Buffer.alloc(32);
  const ys = new Array<bigint>(n);
  for (let i = 0; i < n; i++) {
    const h = createHash('sha512')
      .update(domain)
      .update('\u0000')
      .update(ids[i] as string)
      .digest();
    sodium.crypto_core_ed25519_from_uniform(e1, h.subarray(0, 32));
    sodium.crypto_core_ed25519_from_uniform(e2, h.subarray(32, 64));
    sodium.crypto_core_ed25519_add(edwards, e1, e2);
    edwards[31] = (edwards[31] as number) & 0x7f; // drop the sign of x: u depends on y only
    ys[i] = readLe(edwards, 0);
  }
  // u = (1 + y) / (1 - y), with one field inversion for the whole batch (Montgomery's trick)
  const prefix = new Array<bigint>(n);
  let acc = 1n;
  for (let i = 0; i < n; i++) {
    const d = (1n - (ys[i] as bigint) + P) % P;
    if (d === 0n) throw new Error('hash to curve reached the identity point');
    acc = (acc * d) % P;
    prefix[i] = acc;
  }
  let inv = modPow(acc, P - 2n);
  for (let i = n - 1; i >= 0; i--) {
    const y = ys[i] as bigint;
    const d = (1n - y + P) % P;
    const invD = i > 0 ? (inv * (prefix[i - 1] as bigint)) % P : inv;
    inv = (inv * d) % P;
    writeLe(out, i * POINT_BYTES, ((1n + y) * invD) % P);
  }
  return out;
}

/**
 * Raises every point to the secret: X25519(key, u). Refuses points of small
 * order (libsodium returns an error for an all-zero result), naming the index.
 */
export function blindPoints(points: Buffer, key: Buffer): Buffer {
  if (points.length % POINT_BYTES !== 0) throw new Error(`blinded points must be ${POINT_BYTES}-byte values; got ${points.length} bytes`);
  const out = Buffer.alloc(points.length);
  for (let at = 0; at < points.length; at += POINT_BYTES) {
    try {
      sodium.crypto_scalarmult(out.subarray(at, at + POINT_BYTES), key, points.subarray(at, at + POINT_BYTES));
    } catch {
      throw new Error(`point ${at / POINT_BYTES} is not a valid group element (small order)`);
    }
  }
  return out;
}
