/**
 * Collective rotation (Galois) keys and common-a encryption for threshold
 * training, after Mouchet, Troncoso-Pastoriza, Bossuat and Hubaux (PETS 2021):
 * the CKG construction of the public key (threshold.ts), applied to every
 * key-switching component, as Lattigo's multiparty GaloisKeyGenProtocol does.
 *
 * SEAL's key-switching component i made by party p for its key s_p is
 *   (b, a_p),  b = -a_p s_p + e + [P sigma_g(s_p)]_{q_i},
 * with a_p uniform (expanded from a seed), P the special prime and [.]_{q_i}
 * only the residue of data prime i. With a common a expanded by SEAL from a
 * public seed, h_p = b + (a_p - a) s_p = -a s_p + e + [P sigma_g(s_p)]_{q_i} is
 * linear in s_p, so sum_p h_p with a is the component of a rotation key for
 * s = sum_p s_p. Arithmetic is pointwise in the NTT domain at the key level.
 *
 * A share travels as a seeded SEAL blob (h_p in place of c0, the common seed
 * in place of SEAL's own): half a full key's size, and the sum of the shares
 * is again a seeded blob SEAL loads as the collective GaloisKeys.
 *
 * SEAL 4.1 layouts used here (compression none): a seeded ciphertext or key
 * component holds c0 only (count = L N) and ends with an 81-byte object whose
 * last 64 bytes are the seed; GaloisKeys = header, parms_id (32), dim1 u64 @48,
 * then per slot dim2 u64 and dim2 PublicKey blobs (one per data prime).
 */
import { createHash } from 'node:crypto';
import type { SecretKey } from 'node-seal';
import { FedError } from '../util/errors.ts';
import { type CkksContext, sealFailure, sealMessage } from './ckks.ts';
import { CT_DATA, header, keyLevelPrimes, PT_DATA, putU64, u64 } from './seal-layout.ts';

const SEED_BYTES = 64;
const SEED_TRAILER = 81;

/** A public 64-byte seed for one use in one job: the common reference string every party expands the same `a` from. */
export function trainingSeed(jobId: string, ...labels: (string | number)[]): Uint8Array {
  return new Uint8Array(
    createHash('sha512')
      .update(`fedrisk/crs/v1/${jobId}/${labels.join('/')}`)
      .digest(),
  );
}

/** The rotation steps threshold training uses: powers of two only, so the set is public and fixed (packed-gradient.ts). */
export function trainingRotationSteps(slots: number): number[] {
  const out: number[] = [];
  for (let s = 1; s < slots; s *= 2) out.push(s);
  return out;
}

interface Component {
  index: number;
  component: number;
  offset: number;
  length: number;
}

/** The key-switching components of a GaloisKeys blob, with where each lies. */
function components(blob: Uint8Array, what: string): Component[] {
  if (blob.length < 56 || header(blob).getUint16(0, true) !== 0xa15e || blob[5] !== 0)
    throw new FedError('CRYPTO_ERR_BAD_CIPHERTEXT', `${what} is not an uncompressed SEAL object`);
  const v = header(blob);
  let off = 48;
  const dim1 = Number(v.getBigUint64(off, true));
  off += 8;
  const out: Component[] = [];
  for (let index = 0; index < dim1 && off + 8 <= blob.length; index++) {
    const dim2 = Number(v.getBigUint64(off, true));
    off += 8;
    for (let component = 0; component < dim2; component++) {
      if (off + 16 > blob.length) break;
      const length = Number(v.getBigUint64(off + 8, true));
      out.push({ index, component, offset: off, length });
      off += length;
    }
  }
  if (off !== blob.length) throw new FedError('CRYPTO_ERR_BAD_CIPHERTEXT', `${what} does not have the layout of rotation keys`);
  return out;
}

const seedAt = (blob: Uint8Array, end: number) => blob.subarray(end - SEED_BYTES, end);
const galoisSeed = (jobId: string, c: Component) => trainingSeed(jobId, 'galois', 2 * c.index + 1, c.component);

/** sum of `shares`' c0 residues at byte `at` (l primes), written into `target`; every residue checked below its prime */
function addResidues(ckks: CkksContext, target: Uint8Array, at: number, l: number, shares: readonly Uint8Array[], what: string): void {
  const n = ckks.params.polyModulusDegree;
  const primes = keyLevelPrimes(ckks);
  const sum = new BigUint64Array(l * n);
  for (const [i, blob] of shares.entries()) {
    const p = u64(blob, at, l * n);
    for (let j = 0; j < l; j++) {
      const q = primes[j] as bigint;
      for (let k = j * n; k < (j + 1) * n; k++) {
        const x = p[k] as bigint;
        if (x >= q) throw new FedError('CRYPTO_ERR_BAD_CIPHERTEXT', `${what} ${i + 1} has a residue out of range`);
        const y = (sum[k] as bigint) + x;
        sum[k] = y >= q ? y - q : y;
      }
    }
  }
  putU64(target, at, sum);
}

/**
 * Sums every party's Galois-key share (same steps, the job's common seeds)
 * into the collective rotation keys, and checks that SEAL loads them.
 * Anyone can do this: the shares are public. Each party does it itself.
 */
export function collectiveGaloisKeys(ckks: CkksContext, jobId: string, shares: readonly Uint8Array[]): Uint8Array {
  const first = shares[0];
  if (!first) throw new FedError('CRYPTO_ERR_BAD_CIPHERTEXT', 'no rotation-key shares to add');
  const layout = components(first, 'rotation-key share 1');
  const l = keyLevelPrimes(ckks).length;
  const n = ckks.params.polyModulusDegree;
  for (const [i, sh] of shares.entries()) {
    if (sh.length !== first.length) throw new FedError('CRYPTO_ERR_BAD_CIPHERTEXT', `rotation-key share ${i + 1} has another size than share 1`);
    for (const c of layout) {
      if (c.length !== CT_DATA + l * n * 8 + SEED_TRAILER)
        throw new FedError('CRYPTO_ERR_BAD_CIPHERTEXT', `rotation-key share ${i + 1}: a component is not a seeded key of this job's parameters`);
      const want = galoisSeed(jobId, c);
      if (Buffer.compare(seedAt(sh, c.offset + c.length), want) !== 0)
        throw new FedError('CRYPTO_ERR_BAD_CIPHERTEXT', `rotation-key share ${i + 1} is not over the job's common seed (element ${2 * c.index + 1})`);
    }
  }
  const out = first.slice();
  for (const c of layout) addResidues(ckks, out, c.offset + CT_DATA, l, shares, 'rotation-key share');
  const gk = new ckks.seal.GaloisKeys();
  try {
    gk.loadFromArray(ckks.context, out);
  } catch (err) {
    throw new FedError('CRYPTO_ERR_BAD_CIPHERTEXT', `the collective rotation keys do not load: ${sealMessage(ckks.seal, err)}`, { cause: err });
  } finally {
    gk.delete();
  }
  return out;
}

/** The shape of a seeded (c0-only) ciphertext: its level and scale. */
export function seededShape(ckks: CkksContext, blob: Uint8Array, what: string): { l: number; scale: number } {
  const n = ckks.params.polyModulusDegree;
  if (blob.length < CT_DATA + SEED_TRAILER || header(blob).getUint16(0, true) !== 0xa15e || blob[5] !== 0)
    throw new FedError('CRYPTO_ERR_BAD_CIPHERTEXT', `${what} is not an uncompressed SEAL ciphertext`);
  const h = header(blob);
  const l = Number(h.getBigUint64(65, true));
  if (Number(h.getBigUint64(57, true)) !== n || h.getBigUint64(49, true) !== 2n || blob.length !== CT_DATA + l * n * 8 + SEED_TRAILER)
    throw new FedError('CRYPTO_ERR_BAD_CIPHERTEXT', `${what} is not a seeded ciphertext of this job's parameters`);
  return { l, scale: h.getFloat64(73, true) };
}

/**
 * Adds every party's common-a encryption (same seed) into one seeded
 * ciphertext under the collective key: (sum c0_p, a) encrypts sum m_p.
 */
export function addCommonCiphertexts(ckks: CkksContext, blobs: readonly Uint8Array[], seed: Uint8Array, names: readonly string[]): Uint8Array {
  const first = blobs[0];
  if (!first) throw new FedError('JOB_ERR_MISMATCH', 'nothing to add');
  const shape = seededShape(ckks, first, `${names[0]}'s partial`);
  for (const [i, b] of blobs.entries()) {
    const s = seededShape(ckks, b, `${names[i]}'s partial`);
    if (Buffer.compare(seedAt(b, b.length), seed) !== 0 || s.l !== shape.l || s.scale !== shape.scale)
      throw new FedError('CRYPTO_ERR_BAD_CIPHERTEXT', `${names[i]}'s partial is not over this batch's common seed, level and scale`);
  }
  const out = first.slice();
  addResidues(ckks, out, CT_DATA, shape.l, blobs, 'partial');
  return out;
}

/** What a party does with its key share for training, beyond the public-key share and decryption shares. */
export interface TrainingKeyOps {
  /** seeded GaloisKeys: this party's share of every component of the rotation keys for `steps` */
  galoisKeyShare(jobId: string, steps: readonly number[]): Uint8Array;
  /**
   * c0_p = -a s_p + e_p + Delta m_p for the common a of `seed`, as a seeded
   * ciphertext. A seed is used once: two messages under one a would reveal
   * their difference.
   */
  encryptCommon(values: Float64Array, scale: number, seed: Uint8Array): Uint8Array;
}

/** Training operations over a party's own SEAL secret key, which stays inside the calling key object. */
export function trainingKeyOps(ckks: CkksContext, secretKey: SecretKey): TrainingKeyOps & { delete(): void } {
  const { seal, context } = ckks;
  const n = ckks.params.polyModulusDegree;
  const lN = keyLevelPrimes(ckks).length * n;
  const primes = keyLevelPrimes(ckks);
  const keygen = new seal.KeyGenerator(context, secretKey);
  const ownPublic = keygen.createPublicKey();
  const encryptor = new seal.Encryptor(context, ownPublic, secretKey);
  ownPublic.delete();
  const decryptor = new seal.Decryptor(context, secretKey);
  const evaluator = new seal.Evaluator(context);
  const used = new Set<string>();
  const templates = new Map<number, Uint8Array>();
  const useSeed = (seed: Uint8Array, what: string) => {
    const hex = Buffer.from(seed).toString('hex');
    if (used.has(hex))
      throw new FedError('JOB_ERR_INTERNAL', `the common seed for ${what} was already used by this party: a second use would reveal both messages' difference`);
    used.add(hex);
  };
  const save = (o: { saveToArray(m: unknown): unknown }) => (o.saveToArray(seal.ComprModeType.none) as Uint8Array).slice();
  const secret = (): BigUint64Array => {
    const blob = save(secretKey);
    const s = u64(blob, PT_DATA, lN);
    blob.fill(0);
    return s;
  };

  return {
    galoisKeyShare: (jobId, steps) => {
      const ser = keygen.createGaloisKeysSerializableWithSteps(Int32Array.from(steps));
      const seeded = save(ser);
      ser.delete();
      const layout = components(seeded, 'own rotation keys');
      const gk = new seal.GaloisKeys();
      const s = secret();
      try {
        gk.loadFromArray(context, seeded);
        const ownFull = save(gk);
        for (const c of layout) {
          const seed = galoisSeed(jobId, c);
          useSeed(seed, `rotation-key element ${2 * c.index + 1}, component ${c.component}`);
          seeded.set(seed, c.offset + c.length - SEED_BYTES);
        }
        gk.loadFromArray(context, seeded);
        const commonFull = save(gk);
        const ownLayout = components(ownFull, 'own rotation keys');
        const commonLayout = components(commonFull, 'common rotation keys');
        layout.forEach((c, i) => {
          const fo = ownLayout[i] as Component;
          const co = commonLayout[i] as Component;
          const b = u64(ownFull, fo.offset + CT_DATA, lN);
          const aOwn = u64(ownFull, fo.offset + CT_DATA + lN * 8, lN);
          const a = u64(commonFull, co.offset + CT_DATA + lN * 8, lN);
          const h = new BigUint64Array(lN);
          for (let j = 0; j < primes.length; j++) {
            const q = primes[j] as bigint;
            for (let k = j * n; k < (j + 1) * n; k++) h[k] = ((b[k] as bigint) + (((aOwn[k] as bigint) + q - (a[k] as bigint)) % q) * (s[k] as bigint)) % q;
          }
          b.fill(0n);
          putU64(seeded, c.offset + CT_DATA, h);
        });
        ownFull.fill(0);
        return seeded;
      } finally {
        s.fill(0n);
        gk.delete();
      }
    },
    encryptCommon: (values, scale, seed) => {
      useSeed(seed, 'a common encryption');
      const plain = new seal.Plaintext();
      const full = new seal.Ciphertext();
      const common = new seal.Ciphertext();
      try {
        const slots = new Float64Array(ckks.slots);
        slots.set(values.subarray(0, ckks.slots));
        ckks.encoder.encode(slots, scale, plain);
        encryptor.encryptSymmetric(plain, full); // (c0' = -a_p s_p + e_p + Delta m, a_p)
        let template = templates.get(scale);
        if (!template) {
          // a seeded blob at this level and scale: only its layout is used (c0 and the seed are overwritten)
          const ser = encryptor.encryptSymmetricSerializable(plain);
          template = save(ser);
          ser.delete();
          templates.set(scale, template);
        }
        const seeded = template.slice();
        seeded.set(seed, seeded.length - SEED_BYTES);
        common.loadFromArray(context, seeded);
        const withA = save(common);
        const l = Number(header(withA).getBigUint64(65, true));
        withA.fill(0, CT_DATA, CT_DATA + l * n * 8); // (0, a)
        common.loadFromArray(context, withA);
        evaluator.subInplace(full, common); // (c0', a_p - a)
        decryptor.decrypt(full, plain); // c0' + (a_p - a) s_p = -a s_p + e_p + Delta m
        seeded.set(save(plain).subarray(PT_DATA, PT_DATA + l * n * 8), CT_DATA);
        return seeded;
      } catch (err) {
        throw sealFailure(seal, err, 'CRYPTO_ERR_SEAL', `cannot encrypt under the common a`);
      } finally {
        common.delete();
        full.delete();
        plain.delete();
      }
    },
    delete: () => {
      evaluator.delete();
      decryptor.delete();
      encryptor.delete();
      keygen.delete();
    },
  };
}
