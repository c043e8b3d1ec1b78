/**
 * Threshold decryption whose output only its owner learns (training).
 *
 * The owner o of (c0, c1) under s = sum_p s_p sends only c1 (the request).
 * Every other party i answers d_i = c1 s_i + E_i, E_i smudging noise wide
 * enough to hide its part of the ciphertext noise, sealed to o alone (a
 * libsodium sealed box, channel.ts). The owner adds the shares to c0 and
 * decrypts with its own s_o, which never leaves it:
 *   c0 + c1 s_o + sum_i d_i = Delta m + e + sum_i E_i.
 * Without c0 (it never leaves the owner) the shares are RLWE samples; without
 * the owner's term c1 s_o, c0 + sum d_i is uniformly random. A party serves
 * each c1 once and each protocol slot ("gradient/epoch/batch/owner") once, and
 * only at the level and scale the protocol step produces.
 *
 * Compressed shares: once E_i is in, the low bits of d_i carry nothing. The
 * sender rescales d_i by the last prime of its level (SEAL's rescale on the
 * wrapper (d_i, d_i)) and packs the residues at the one remaining prime to
 * their bit length: 51,200 bytes instead of 131,072 at N = 8192. The owner
 * rescales its ciphertext the same way; the rounding (at most q_L / 2 per
 * coefficient) is far below the smudging and is computed from the smudged share.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Ciphertext, SecretKey } from 'node-seal';
import { FedError } from '../util/errors.ts';
import { type BoxKeys, openSealed, sealTo } from './channel.ts';
import { type CkksContext, type DecryptionCounter, sealFailure } from './ckks.ts';
import { CT_DATA, header, keyLevelPrimes } from './seal-layout.ts';
import { smudgingNoise, writeNoiseResidues } from './smudging.ts';

/** The request: a ciphertext's 113-byte metadata and its c1, without c0. */
export function decryptionRequest(ckks: CkksContext, ctBlob: Uint8Array): Uint8Array {
  const { polyBytes } = shapeOf(ckks, ctBlob, 2, 'ciphertext to decrypt');
  const out = new Uint8Array(CT_DATA + polyBytes);
  out.set(ctBlob.subarray(0, CT_DATA));
  out.set(ctBlob.subarray(CT_DATA + polyBytes), CT_DATA);
  return out;
}

/** Level, scale and polynomial size of a ciphertext blob (polys = 2) or a request (polys = 1), checked against the job. */
export function shapeOf(ckks: CkksContext, blob: Uint8Array, polys: 1 | 2, what: string): { l: number; scale: number; polyBytes: number } {
  const n = ckks.params.polyModulusDegree;
  if (blob.length < CT_DATA || header(blob).getUint16(0, true) !== 0xa15e || blob[5] !== 0)
    throw new FedError('CRYPTO_ERR_BAD_CIPHERTEXT', `${what} is not an uncompressed SEAL ciphertext`);
  const h = header(blob);
  const l = Number(h.getBigUint64(65, true));
  const polyBytes = l * n * 8;
  if (blob[48] !== 1 || Number(h.getBigUint64(57, true)) !== n || l < 1 || l > keyLevelPrimes(ckks).length - 1 || blob.length !== CT_DATA + polys * polyBytes)
    throw new FedError('CRYPTO_ERR_BAD_CIPHERTEXT', `${what} is not an NTT-form ${polys === 2 ? 'ciphertext' : 'decryption request'} of this job`);
  return { l, scale: h.getFloat64(73, true), polyBytes };
}

/** A loadable ciphertext blob from request-style metadata and two polynomials. */
function assemble(meta: Uint8Array, c0: Uint8Array, c1: Uint8Array, ntt: boolean): Uint8Array {
  const out = new Uint8Array(CT_DATA + c0.length + c1.length);
  out.set(meta.subarray(0, CT_DATA));
  out.set(c0, CT_DATA);
  out.set(c1, CT_DATA + c0.length);
  const v = header(out);
  v.setBigUint64(8, BigInt(out.length), true);
  out[48] = ntt ? 1 : 0;
  v.setBigUint64(49, 2n, true);
  v.setBigUint64(105, BigInt((c0.length + c1.length) / 8), true);
  v.setBigUint64(97, BigInt(16 + 8 + c0.length + c1.length), true); // the nested array's own size field
  return out;
}

/**
 * A one-polynomial blob (113-byte header, the residues at each prime of its
 * level, then `trailer` bytes: 81 for a seeded ciphertext's seed, 0 for a
 * request) with each prime's residues packed to that prime's bit length: what
 * travels. 50-bit primes take 50 bits, not 64.
 */
export function packPolyBlob(ckks: CkksContext, blob: Uint8Array, trailer: number): Uint8Array {
  const n = ckks.params.polyModulusDegree;
  const l = Number(header(blob).getBigUint64(65, true));
  const primes = keyLevelPrimes(ckks);
  if (l < 1 || l > primes.length - 1 || blob.length !== CT_DATA + l * n * 8 + trailer)
    throw new FedError('CRYPTO_ERR_BAD_CIPHERTEXT', 'a polynomial to pack does not have the shape of this job');
  const parts = [blob.subarray(0, CT_DATA)];
  for (let j = 0; j < l; j++) {
    const residues = new BigUint64Array(blob.slice(CT_DATA + j * n * 8, CT_DATA + (j + 1) * n * 8).buffer);
    parts.push(packBits(residues, (primes[j] as bigint).toString(2).length));
  }
  parts.push(blob.subarray(blob.length - trailer));
  return Buffer.concat(parts);
}

/** The inverse of packPolyBlob; refuses a blob of another size, or a residue not below its prime. */
export function unpackPolyBlob(ckks: CkksContext, packed: Uint8Array, trailer: number, what: string): Uint8Array {
  const n = ckks.params.polyModulusDegree;
  const primes = keyLevelPrimes(ckks);
  if (packed.length < CT_DATA) throw new FedError('CRYPTO_ERR_BAD_CIPHERTEXT', `${what} is too short`);
  const l = Number(header(packed).getBigUint64(65, true));
  if (!(l >= 1 && l <= primes.length - 1)) throw new FedError('CRYPTO_ERR_BAD_CIPHERTEXT', `${what} is not at a level of this job`);
  const bits = primes.slice(0, l).map((q) => q.toString(2).length);
  const sizes = bits.map((b) => Math.ceil((n * b) / 8));
  if (packed.length !== CT_DATA + sizes.reduce((a, b) => a + b, 0) + trailer)
    throw new FedError('CRYPTO_ERR_BAD_CIPHERTEXT', `${what} has ${packed.length} bytes, not the size its level implies`);
  const out = new Uint8Array(CT_DATA + l * n * 8 + trailer);
  out.set(packed.subarray(0, CT_DATA));
  let at = CT_DATA;
  for (let j = 0; j < l; j++) {
    const v = unpackBits(packed.subarray(at, at + (sizes[j] as number)), n, bits[j] as number);
    const q = primes[j] as bigint;
    for (const x of v) if (x >= q) throw new FedError('CRYPTO_ERR_BAD_CIPHERTEXT', `${what} has a residue out of range`);
    out.set(new Uint8Array(v.buffer), CT_DATA + j * n * 8);
    at += sizes[j] as number;
  }
  out.set(packed.subarray(at), CT_DATA + l * n * 8);
  return out;
}

/** Packs residues below 2^bits (33 <= bits <= 64) into a little-endian bit string. */
export function packBits(values: BigUint64Array, bits: number): Uint8Array {
  const words = new Uint32Array(values.buffer, values.byteOffset, values.length * 2);
  const out = new Uint8Array(Math.ceil((values.length * bits) / 8));
  const hiBits = bits - 32;
  let acc = 0;
  let n = 0;
  let pos = 0;
  const put = (chunk: number, width: number) => {
    acc |= chunk << n;
    n += width;
    while (n >= 8) {
      out[pos++] = acc & 0xff;
      acc >>>= 8;
      n -= 8;
    }
  };
  for (let i = 0; i < values.length; i++) {
    const lo = words[2 * i] as number;
    const hi = words[2 * i + 1] as number;
    put(lo & 0xffff, 16);
    put(lo >>> 16, 16);
    if (hiBits > 16) {
      put(hi & 0xffff, 16);
      put(hi >>> 16, hiBits - 16);
    } else put(hi, hiBits);
  }
  if (n > 0) out[pos] = acc & 0xff;
  return out;
}

export function unpackBits(bytes: Uint8Array, count: number, bits: number): BigUint64Array {
  const out = new BigUint64Array(count);
  const words = new Uint32Array(out.buffer);
  const hiBits = bits - 32;
  let acc = 0;
  let n = 0;
  let pos = 0;
  const take = (width: number): number => {
    while (n < width) {
      acc |= (bytes[pos++] as number) << n;
      n += 8;
    }
    const v = acc & ((1 << width) - 1);
    acc >>>= width;
    n -= width;
    return v;
  };
  for (let i = 0; i < count; i++) {
    const lo = take(16);
    words[2 * i] = (lo | (take(16) << 16)) >>> 0;
    words[2 * i + 1] = hiBits > 16 ? take(16) | (take(hiBits - 16) << 16) : take(hiBits);
  }
  return out;
}

/** Gaussian noise in slot units, repeated with `period`, so averaging the packed replicas does not remove it (DP). */
export function periodicGaussian(slots: number, period: number, sigma: number): Float64Array {
  const r = randomBytes(16 * period);
  const draws = Float64Array.from({ length: period }, (_, j) => {
    const u1 = (r.readUIntBE(16 * j, 6) + 1) / (2 ** 48 + 1);
    const u2 = r.readUIntBE(16 * j + 8, 6) / 2 ** 48;
    return sigma * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  });
  return Float64Array.from({ length: slots }, (_, i) => draws[i % period] as number);
}

export interface ShareOptions {
  /** the protocol slot this request fills: served once */
  slot: string;
  /** the level and scale the protocol step produces; anything else is refused */
  expect: { level: number; scale: number };
  /** differential privacy: slot-domain Gaussian noise of this standard deviation, repeated with `period` */
  dp?: { sigma: number; period: number } | undefined;
}

export interface OwnerDecryptOps {
  /** d_i = c1 s_i + E_i (+ DP noise), compressed, sealed to the owner's X25519 key */
  share(request: Uint8Array, ownerX25519: string, smudgingBits: number, opts: ShareOptions): Uint8Array;
  /** the owner: c0 + the others' shares, decrypted with its own key share; counts `used` values as decrypted (`what`) */
  combine(ctBlob: Uint8Array, sealedShares: readonly Uint8Array[], box: BoxKeys, used: number, what: string): Float64Array;
  delete(): void;
}

export function ownerDecryptOps(ckks: CkksContext, secretKey: SecretKey, ledger?: DecryptionCounter): OwnerDecryptOps {
  const { seal, context } = ckks;
  const n = ckks.params.polyModulusDegree;
  const primes = keyLevelPrimes(ckks);
  const decryptor = new seal.Decryptor(context, secretKey);
  const evaluator = new seal.Evaluator(context);
  const served = new Set<string>();
  const slots = new Set<string>();
  const claim = (c1: Uint8Array) => {
    const digest = createHash('sha256').update(c1).digest('hex');
    if (served.has(digest))
      throw new FedError('CRYPTO_ERR_SHARE_REPLAY', 'a decryption share for this ciphertext was already issued; a second one could average the smudging away');
    served.add(digest);
  };
  const save = (o: { saveToArray(m: unknown): unknown }) => (o.saveToArray(seal.ComprModeType.none) as Uint8Array).slice();
  /** c0 + c1 s_i in NTT form at the ciphertext's level */
  const decryptPoly = (ct: Ciphertext): Uint8Array => {
    const plain = new seal.Plaintext();
    try {
      decryptor.decrypt(ct, plain);
      return save(plain).slice(88);
    } finally {
      plain.delete();
    }
  };
  /** E in NTT form at level l, written in coefficient form with c1 = 1 and transformed by SEAL */
  const noiseNtt = (request: Uint8Array, l: number, bits: number): Uint8Array => {
    const polyBytes = l * n * 8;
    const c0 = new Uint8Array(polyBytes);
    const c1 = new Uint8Array(polyBytes);
    writeNoiseResidues(header(c0), 0, smudgingNoise(n, bits), primes.slice(0, l));
    const v1 = header(c1);
    for (let j = 0; j < l; j++) v1.setUint32(j * n * 8, 1, true);
    const ct = new seal.Ciphertext();
    try {
      ct.loadFromArray(context, assemble(request, c0, c1, false));
      evaluator.cipherTransformToNttInplace(ct);
      return save(ct).slice(CT_DATA, CT_DATA + polyBytes);
    } finally {
      ct.delete();
    }
  };
  const lowBits = (primes[0] as bigint).toString(2).length;

  return {
    share: (request, ownerX25519, smudgingBits, opts) => {
      const { l, scale, polyBytes } = shapeOf(ckks, request, 1, 'the decryption request');
      if (l !== opts.expect.level || Math.abs(opts.expect.scale / scale - 1) > 1e-9)
        throw new FedError(
          'CRYPTO_ERR_SHARE_REFUSED',
          `a decryption request at level ${l}, scale 2^${Math.log2(scale).toFixed(2)} is not what this step of training produces (level ${opts.expect.level}, scale 2^${Math.log2(opts.expect.scale).toFixed(2)})`,
        );
      if (slots.has(opts.slot)) throw new FedError('CRYPTO_ERR_SHARE_REPLAY', `the decryption for ${opts.slot} was already served; it is served once`);
      const c1 = request.subarray(CT_DATA, CT_DATA + polyBytes);
      claim(c1);
      slots.add(opts.slot);
      const ct = new seal.Ciphertext();
      const plain = new seal.Plaintext();
      try {
        ct.loadFromArray(context, assemble(request, noiseNtt(request, l, smudgingBits), c1, true));
        if (opts.dp && opts.dp.sigma > 0) {
          ckks.encoder.encode(periodicGaussian(ckks.slots, opts.dp.period, opts.dp.sigma), scale, plain);
          evaluator.plainModSwitchToInplace(plain, ct.parmsId());
          evaluator.addPlainInplace(ct, plain);
        }
        const d = decryptPoly(ct);
        const last = primes[l - 1] as bigint;
        if (l < 2 || smudgingBits < last.toString(2).length + 8) return sealTo(ownerX25519, d);
        ct.loadFromArray(context, assemble(request, d, d, true)); // (d, d): SEAL refuses a transparent (d, 0)
        evaluator.rescaleToNextInplace(ct);
        const low = save(ct);
        const residues = low.subarray(CT_DATA, CT_DATA + (l - 1) * n * 8);
        const body = l - 1 === 1 && lowBits >= 33 && lowBits <= 52 ? packBits(new BigUint64Array(residues.slice().buffer), lowBits) : residues.slice();
        return sealTo(ownerX25519, body);
      } catch (err) {
        throw sealFailure(seal, err, 'CRYPTO_ERR_BAD_CIPHERTEXT', `cannot compute a decryption share of this request`);
      } finally {
        plain.delete();
        ct.delete();
      }
    },
    combine: (ctBlob, sealedShares, box, used, what) => {
      const { l, polyBytes } = shapeOf(ckks, ctBlob, 2, 'own ciphertext');
      claim(ctBlob.subarray(CT_DATA + polyBytes));
      const ct = new seal.Ciphertext();
      const term = new seal.Ciphertext();
      const plain = new seal.Plaintext();
      try {
        ct.loadFromArray(context, ctBlob);
        const shares = sealedShares.map((s, i) => openSealed(box, s, `decryption share ${i + 1} of ${what}`));
        const packedLen = Math.ceil((n * lowBits) / 8);
        const lowLen = (l - 1) * n * 8;
        const compressed = l > 1 && shares.length > 0 && shares.every((d) => d.length === packedLen || d.length === lowLen);
        let meta = ctBlob;
        let zero = new Uint8Array(polyBytes);
        if (compressed) {
          evaluator.rescaleToNextInplace(ct); // the owner's own ciphertext, rounded the same way
          meta = save(ct);
          zero = new Uint8Array(lowLen);
        }
        for (const [i, raw] of shares.entries()) {
          const d = compressed && raw.length === packedLen && l - 1 === 1 ? new Uint8Array(unpackBits(raw, n, lowBits).buffer) : raw;
          if (d.length !== zero.length) throw new FedError('CRYPTO_ERR_BAD_CIPHERTEXT', `decryption share ${i + 1} of ${what} has ${raw.length} bytes`);
          term.loadFromArray(context, assemble(meta, d, zero, true)); // (d_i, 0): SEAL adds it to c0 modulo every prime
          evaluator.addInplace(ct, term);
        }
        decryptor.decrypt(ct, plain);
        const values = (ckks.encoder.decodeFloat64(plain) as Float64Array).slice();
        ledger?.decrypted(used, what);
        return values;
      } catch (err) {
        throw sealFailure(seal, err, 'CRYPTO_ERR_SEAL', `cannot decrypt ${what} with the shares`);
      } finally {
        plain.delete();
        term.delete();
        ct.delete();
      }
    },
    delete: () => {
      evaluator.delete();
      decryptor.delete();
    },
  };
}
