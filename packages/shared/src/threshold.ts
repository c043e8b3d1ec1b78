/**
 * n-of-n threshold CKKS on top of node-seal, after Mouchet, Troncoso-Pastoriza,
 * Bossuat and Hubaux, "Multiparty Homomorphic Encryption from Ring-Learning-
 * With-Errors" (PETS 2021). SEAL has no multiparty mode, so the protocol works
 * on SEAL's serialized objects (compression none, little endian):
 *
 *   Ciphertext / PublicKey: 16-byte header, parms_id (32), is_ntt_form u8 @48,
 *     size u64 @49, N u64 @57, L u64 @65, scale f64 @73, correction u64 @81,
 *     array header, count u64 @105, residues from byte 113, index (poly*L + j)*N + k.
 *   Plaintext / SecretKey: header, parms_id, coeff_count u64 @48, scale f64 @56,
 *     count u64 @80, data from byte 88, index j*N + k.
 *
 * Everything is in the NTT domain, where ring products are pointwise, so the
 * arithmetic here is pointwise modulo each RNS prime q_j. Polynomials made
 * here (smudging noise) are put into NTT form by SEAL itself.
 *
 * Key generation: all parties share a uniform polynomial `a` expanded by SEAL
 * from a 64-byte seed fixed for the job (a common reference string). Party i's
 * own SEAL public key is (b_i, a_i) with b_i = -a_i s_i + e_i; its share for
 * the common `a` is p_i = b_i + (a_i - a) s_i = -a s_i + e_i. The collective
 * public key is (sum p_i, a), whose secret is s = sum s_i.
 *
 * Decryption of (c0, c1): party i publishes d_i = c1 s_i + E_i, where E_i is
 * smudging noise wide enough to hide its share of the ciphertext noise; then
 * c0 + sum d_i = m + e + sum E_i. Any proper subset of the shares leaves a
 * term c1 s_j that is uniformly random: it decrypts to garbage.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { CkksContext } from './ckks.ts';
import { sealMessage } from './ckks.ts';
import { FedError } from './errors.ts';

const CT_DATA = 113;
const PT_DATA = 88;
/** SEAL's default noise standard deviation for fresh encryptions and keys */
export const SEAL_NOISE_STD = 3.2;
/** statistical distance between a share and one with no ciphertext noise: 2^-40 */
export const SMUDGING_MARGIN_BITS = 40;
/** noise bound: this many standard deviations above the estimated spread */
const BOUND_STDS = 16;

function u64(bytes: Uint8Array, at: number, count: number): BigUint64Array {
  // copy: SEAL's layout puts residues at odd offsets, which typed views cannot use
  return new BigUint64Array(bytes.slice(at, at + count * 8).buffer);
}

function putU64(bytes: Uint8Array, at: number, values: BigUint64Array): void {
  bytes.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), at);
}

function header(bytes: Uint8Array): DataView {
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

/** The 64-byte common reference seed of a job: public, the same for every party. */
export function crsSeed(jobId: string): Uint8Array {
  return new Uint8Array(createHash('sha512').update(`fedrisk/crs/v1/${jobId}`).digest());
}

/** Polynomials of a public-key-shaped blob (2 polys at the key level). */
interface KeyPolys {
  n: number;
  primes: bigint[];
  b: BigUint64Array;
  a: BigUint64Array;
  template: Uint8Array;
}

function readKeyPolys(ckks: CkksContext, blob: Uint8Array, what: string): KeyPolys {
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

/** Expands the common `a` from the seed, using SEAL's own PRNG through a seeded public key. */
function expandCommonA(
  ckks: CkksContext,
  seed: Uint8Array,
  keygen: { createPublicKeySerializable(): { saveToArray(m: unknown): unknown; delete(): void } },
): Uint8Array {
  const { seal, context } = ckks;
  const ser = keygen.createPublicKeySerializable();
  const seeded = (ser.saveToArray(seal.ComprModeType.none) as Uint8Array).slice();
  ser.delete();
  seeded.set(seed, seeded.length - 64);
  const pk = new seal.PublicKey();
  try {
    pk.loadFromArray(context, seeded);
    return pk.saveToArray(seal.ComprModeType.none) as Uint8Array;
  } finally {
    pk.delete();
  }
}

export interface ThresholdParty {
  /**
   * p_i = -a s_i + e_i, the residues of one polynomial at the key level
   * (everyone expands the common a itself, so it is not sent): safe to publish
   */
  readonly shareBytes: Uint8Array;
  /** sums the published shares (this party's included) into the collective public key */
  collectivePublicKey(shares: readonly Uint8Array[]): Uint8Array;
  /** d_i = c1 s_i + E_i for one ciphertext; refuses a ciphertext it has already served */
  decryptionShare(ciphertext: Uint8Array, smudgingBits: number): Uint8Array;
  /**
   * Draws smudging noise ahead of time, while the party would otherwise wait:
   * it depends only on the ciphertexts' shape, and each draw is used once.
   */
  prepareNoise(template: Uint8Array, count: number, smudgingBits: number, signal?: AbortSignal): Promise<void>;
  /**
   * The recipient's side: adds the other parties' shares to c0 and decrypts
   * (c0 + sum d_j, c1) with its own key share, so its own share never needs
   * smudging (it never leaves the party). Counts as serving the ciphertext.
   */
  decryptWithShares(ciphertext: Uint8Array, otherShares: readonly Uint8Array[]): Float64Array;
  delete(): void;
}

export function createThresholdParty(ckks: CkksContext, seed: Uint8Array): ThresholdParty {
  const { seal, context } = ckks;
  const keygen = new seal.KeyGenerator(context);
  const own = readKeyPolys(ckks, keygen.createPublicKey().saveToArray(seal.ComprModeType.none) as Uint8Array, 'own public key');
  const common = readKeyPolys(ckks, expandCommonA(ckks, seed, keygen), 'common reference key');
  const secretKey = keygen.secretKey();
  const skBlob = secretKey.saveToArray(seal.ComprModeType.none) as Uint8Array;
  keygen.delete();
  // shares are computed by SEAL's own decryptor: Dec_{s_i}(E, c1) = E + c1 s_i = d_i
  const decryptor = new seal.Decryptor(context, secretKey);
  const { n, primes } = own;
  const s = u64(skBlob, PT_DATA, primes.length * n);
  skBlob.fill(0);
  const share = new BigUint64Array(primes.length * n);
  for (let j = 0; j < primes.length; j++) {
    const q = primes[j] as bigint;
    for (let k = j * n; k < (j + 1) * n; k++) {
      // p_i = b_i + (a_i - a) s_i  (mod q_j)
      const diff = ((own.a[k] as bigint) + q - (common.a[k] as bigint)) % q;
      share[k] = ((own.b[k] as bigint) + diff * (s[k] as bigint)) % q;
    }
  }
  own.b.fill(0n);
  s.fill(0n);
  const shareBytes = new Uint8Array(share.buffer.slice(0));
  const served = new Set<string>();
  const readyNoise: { bits: number; blob: Uint8Array }[] = [];

  return {
    shareBytes,
    collectivePublicKey: (shares) => {
      const sum = new BigUint64Array(primes.length * n);
      shares.forEach((blob, i) => {
        if (blob.length !== primes.length * n * 8) {
          throw new FedError('CRYPTO_ERR_BAD_CIPHERTEXT', `public-key share ${i + 1} has ${blob.length} bytes, expected ${primes.length * n * 8}`);
        }
        const p = u64(blob, 0, primes.length * n);
        for (let j = 0; j < primes.length; j++) {
          const q = primes[j] as bigint;
          for (let k = j * n; k < (j + 1) * n; k++) {
            const x = p[k] as bigint;
            if (x >= q) throw new FedError('CRYPTO_ERR_BAD_CIPHERTEXT', `public-key share ${i + 1} has a residue out of range`);
            const y = (sum[k] as bigint) + x;
            sum[k] = y >= q ? y - q : y;
          }
        }
      });
      const out = common.template.slice();
      putU64(out, CT_DATA, sum);
      const pk = new seal.PublicKey();
      try {
        pk.loadFromArray(context, out);
      } catch (err) {
        throw new FedError('CRYPTO_ERR_BAD_CIPHERTEXT', `the collective public key does not load: ${sealMessage(seal, err)}`, { cause: err });
      } finally {
        pk.delete();
      }
      return out;
    },
    decryptionShare: (ciphertext, smudgingBits) => {
      const digest = createHash('sha256').update(ciphertext).digest('hex');
      if (served.has(digest)) {
        throw new FedError(
          'CRYPTO_ERR_SHARE_REPLAY',
          'a decryption share for this ciphertext was already issued; a second share could reveal the smudging noise',
        );
      }
      const ct = ciphertextShape(ckks, ciphertext);
      // (E, c1) with E the smudging noise in NTT form; decrypting it with s_i gives E + c1 s_i
      const k = readyNoise.findIndex((r) => r.bits === smudgingBits && r.blob.length === ciphertext.length);
      const masked = k >= 0 ? (readyNoise.splice(k, 1)[0] as { blob: Uint8Array }).blob : smudgingNoiseNtt(ckks, ciphertext, ct.l, smudgingBits);
      masked.set(ciphertext.subarray(CT_DATA + ct.l * n * 8), CT_DATA + ct.l * n * 8);
      const cipher = new seal.Ciphertext();
      const plain = new seal.Plaintext();
      try {
        cipher.loadFromArray(context, masked);
        decryptor.decrypt(cipher, plain);
        const out = plain.saveToArray(seal.ComprModeType.none) as Uint8Array;
        served.add(digest);
        return out.slice(PT_DATA, PT_DATA + ct.l * n * 8);
      } catch (err) {
        throw new FedError('CRYPTO_ERR_SEAL', `cannot compute a decryption share: ${sealMessage(seal, err)}`, { cause: err });
      } finally {
        plain.delete();
        cipher.delete();
      }
    },
    prepareNoise: async (template, count, smudgingBits, signal) => {
      const { l } = ciphertextShape(ckks, template);
      for (let i = 0; i < count && !signal?.aborted; i++) {
        readyNoise.push({ bits: smudgingBits, blob: smudgingNoiseNtt(ckks, template, l, smudgingBits) });
        await new Promise((r) => setImmediate(r));
      }
    },
    decryptWithShares: (ciphertext, otherShares) => {
      const digest = createHash('sha256').update(ciphertext).digest('hex');
      if (served.has(digest)) throw new FedError('CRYPTO_ERR_SHARE_REPLAY', 'this ciphertext was already decrypted with this key share');
      const { l } = ciphertextShape(ckks, ciphertext);
      const polyBytes = l * n * 8;
      const evaluator = new seal.Evaluator(context);
      const cipher = new seal.Ciphertext();
      const term = new seal.Ciphertext();
      const plain = new seal.Plaintext();
      try {
        cipher.loadFromArray(context, ciphertext);
        // each share as the ciphertext (d_j, 0): SEAL adds it to c0 modulo every prime, faster than BigInt
        const shaped = ciphertext.slice();
        shaped.fill(0, CT_DATA + polyBytes);
        for (const [i, share] of otherShares.entries()) {
          if (share.length !== polyBytes)
            throw new FedError('CRYPTO_ERR_BAD_CIPHERTEXT', `decryption share ${i + 1} has ${share.length} bytes, expected ${polyBytes}`);
          shaped.set(share, CT_DATA);
          try {
            term.loadFromArray(context, shaped);
          } catch (err) {
            throw new FedError('CRYPTO_ERR_BAD_CIPHERTEXT', `decryption share ${i + 1} is not valid: ${sealMessage(seal, err)}`, { cause: err });
          }
          evaluator.addInplace(cipher, term);
        }
        decryptor.decrypt(cipher, plain);
        served.add(digest);
        return (ckks.encoder.decodeFloat64(plain) as Float64Array).slice();
      } catch (err) {
        if (err instanceof FedError) throw err;
        throw new FedError('CRYPTO_ERR_SEAL', `cannot decrypt with the shares: ${sealMessage(seal, err)}`, { cause: err });
      } finally {
        plain.delete();
        term.delete();
        cipher.delete();
        evaluator.delete();
      }
    },
    delete: () => {
      decryptor.delete();
      secretKey.delete();
    },
  };
}

interface CiphertextPolys {
  l: number;
  scale: number;
  c0: BigUint64Array;
  c1: BigUint64Array;
}

/** Checks a ciphertext's shape and reads its level and scale, without copying its polynomials. */
function ciphertextShape(ckks: CkksContext, blob: Uint8Array): { l: number; scale: number } {
  checkUncompressed(blob, 'ciphertext');
  const h = header(blob);
  const n = Number(h.getBigUint64(57, true));
  const l = Number(h.getBigUint64(65, true));
  if (blob[48] !== 1 || h.getBigUint64(49, true) !== 2n || n !== ckks.params.polyModulusDegree || blob.length !== CT_DATA + 2 * l * n * 8) {
    throw new FedError('CRYPTO_ERR_BAD_CIPHERTEXT', 'the ciphertext to decrypt is not a fresh-size NTT-form ciphertext of this job');
  }
  return { l, scale: h.getFloat64(73, true) };
}

function readCiphertext(ckks: CkksContext, blob: Uint8Array): CiphertextPolys {
  const { l, scale } = ciphertextShape(ckks, blob);
  const n = ckks.params.polyModulusDegree;
  return { l, scale, c0: u64(blob, CT_DATA, l * n), c1: u64(blob, CT_DATA + l * n * 8, l * n) };
}

/**
 * Integer Gaussian noise of standard deviation 2^bits from a cryptographic RNG:
 * a double-precision Gaussian (Box-Muller on 53-bit uniforms) scaled up, plus a
 * uniform 16-bit low part so no low bit is fixed by floating-point rounding.
 */
export function smudgingNoise(count: number, bits: number): BigInt64Array {
  const out = new BigInt64Array(count);
  const sigma = 2 ** bits;
  const r = randomBytes(9 * (count + 1));
  // a 53-bit uniform in (0, 1]
  const uniform = (at: number) => (r.readUIntBE(at, 6) * 32 + ((r[at + 6] as number) >> 3) + 1) / 2 ** 53;
  for (let i = 0; i < count; i += 2) {
    const at = 9 * i;
    const radius = Math.sqrt(-2 * Math.log(uniform(at)));
    const angle = 2 * Math.PI * uniform(at + 9);
    const low1 = BigInt(r.readUInt16BE(at + 7)) - 32768n;
    const low2 = BigInt(r.readUInt16BE(at + 16)) - 32768n;
    out[i] = BigInt(Math.round(radius * Math.cos(angle) * sigma)) + low1;
    if (i + 1 < count) out[i + 1] = BigInt(Math.round(radius * Math.sin(angle) * sigma)) + low2;
  }
  return out;
}

/**
 * A ciphertext blob shaped like `template` whose c0 is fresh smudging noise in
 * NTT form at the template's level (SEAL does the transform: the noise is
 * written in coefficient form with c1 = 1, then cipherTransformToNtt).
 */
function smudgingNoiseNtt(ckks: CkksContext, template: Uint8Array, l: number, bits: number): Uint8Array {
  const { seal, context } = ckks;
  const n = ckks.params.polyModulusDegree;
  const primes = keyLevelPrimes(ckks);
  const e = smudgingNoise(n, bits);
  const blob = template.slice();
  blob[48] = 0; // coefficient form: SEAL will transform it
  const view = header(blob);
  blob.fill(0, CT_DATA + l * n * 8);
  for (let j = 0; j < l; j++) {
    const q = primes[j] as bigint;
    for (let k = 0; k < n; k++) {
      const x = e[k] as bigint;
      view.setBigUint64(CT_DATA + (j * n + k) * 8, x < 0n ? x + q : x, true); // |x| is far below q
    }
    view.setBigUint64(CT_DATA + (l * n + j * n) * 8, 1n, true); // c1 = 1: non-zero, or SEAL rejects the ciphertext as transparent
  }
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

/** c0 plus the given decryption shares, modulo each prime, in NTT form. */
function addShares(ckks: CkksContext, ct: CiphertextPolys, shares: readonly Uint8Array[]): BigUint64Array {
  const n = ckks.params.polyModulusDegree;
  const primes = keyLevelPrimes(ckks);
  const m = ct.c0.slice();
  for (const [i, shareBytes] of shares.entries()) {
    if (shareBytes.length !== ct.l * n * 8)
      throw new FedError('CRYPTO_ERR_BAD_CIPHERTEXT', `decryption share ${i + 1} has ${shareBytes.length} bytes, expected ${ct.l * n * 8}`);
    const d = u64(shareBytes, 0, ct.l * n);
    for (let j = 0; j < ct.l; j++) {
      const q = primes[j] as bigint;
      for (let k = j * n; k < (j + 1) * n; k++) {
        const x = d[k] as bigint;
        if (x >= q) throw new FedError('CRYPTO_ERR_BAD_CIPHERTEXT', `decryption share ${i + 1} has a residue out of range`);
        const y = (m[k] as bigint) + x;
        m[k] = y >= q ? y - q : y;
      }
    }
  }
  return m;
}

/** Combines c0 with every party's decryption share and decodes the slots (what an outside combiner would do). */
export function combineShares(ckks: CkksContext, ciphertext: Uint8Array, shares: readonly Uint8Array[]): Float64Array {
  const { seal, context, encoder } = ckks;
  const n = ckks.params.polyModulusDegree;
  const ct = readCiphertext(ckks, ciphertext);
  const m = addShares(ckks, ct, shares);
  // a plaintext at the ciphertext's level and scale, then overwrite its data
  const plain = new seal.Plaintext();
  try {
    encoder.encode(new Float64Array(ckks.slots), ct.scale, plain);
    const blob = (plain.saveToArray(seal.ComprModeType.none) as Uint8Array).slice();
    if (Number(header(blob).getBigUint64(48, true)) !== ct.l * n)
      throw new FedError('CRYPTO_ERR_BAD_CIPHERTEXT', 'the ciphertext is not at the level fresh encodings use');
    putU64(blob, PT_DATA, m);
    plain.loadFromArray(context, blob);
    return (encoder.decodeFloat64(plain) as Float64Array).slice();
  } finally {
    plain.delete();
  }
}

/** SHA-256 of a ciphertext's uncompressed serialization: how a decryption request names what it asks for. */
export function ciphertextDigest(ckks: CkksContext, blob: Uint8Array): string {
  let canonical = blob;
  if (blob[5] !== 0) {
    const ct = ckks.loadCiphertext(blob, 'ciphertext to digest');
    try {
      canonical = ct.saveToArray(ckks.seal.ComprModeType.none) as Uint8Array;
    } finally {
      ct.delete();
    }
  }
  return createHash('sha256').update(canonical).digest('hex');
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
