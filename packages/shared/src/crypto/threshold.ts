/**
 * n-of-n threshold CKKS on top of node-seal, after Mouchet, Troncoso-Pastoriza,
 * Bossuat and Hubaux, "Multiparty Homomorphic Encryption from Ring-Learning-
 * With-Errors" (PETS 2021). SEAL has no multiparty mode, so the protocol works
 * on SEAL's serialized objects (layout in seal-layout.ts).
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
import { createHash } from 'node:crypto';
import { FedError } from '../util/errors.ts';
import type { CkksContext } from './ckks.ts';
import { type DecryptionCounter, sealFailure } from './ckks.ts';
import { type TrainingKeyOps, trainingKeyOps } from './collective-keys.ts';
import type { KeyMaterialLog } from './custody.ts';
import { type OwnerDecryptOps, ownerDecryptOps } from './owner-decrypt.ts';
import { CT_DATA, ciphertextShape, PT_DATA, putU64, readKeyPolys, u64 } from './seal-layout.ts';
import { smudgingNoiseNtt } from './smudging.ts';

/** The 64-byte common reference seed of a job: public, the same for every party. */
export function crsSeed(jobId: string): Uint8Array {
  return new Uint8Array(createHash('sha512').update(`fedrisk/crs/v1/${jobId}`).digest());
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
   * smudging (it never leaves the party). Counts as serving the ciphertext,
   * and reports `used` values (the slots that hold data) as decrypted.
   */
  decryptWithShares(ciphertext: Uint8Array, otherShares: readonly Uint8Array[], used?: number): Float64Array;
  /** training, over this same key share: rotation-key shares, common-a encryption, decryption to one owner only */
  training(): TrainingKeyOps & OwnerDecryptOps;
  /** frees the key share; idempotent */
  delete(): void;
  [Symbol.dispose](): void;
}

export function createThresholdParty(ckks: CkksContext, seed: Uint8Array, custody?: KeyMaterialLog, ledger?: DecryptionCounter): ThresholdParty {
  const { seal, context } = ckks;
  custody?.hold('secretKeyShare');
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
  let deleted = false;
  let training: (TrainingKeyOps & OwnerDecryptOps & { delete(): void }) | undefined;
  const dispose = (): void => {
    if (deleted) return;
    deleted = true;
    training?.delete();
    decryptor.delete();
    secretKey.delete();
  };
  const readyNoise: { bits: number; blob: Uint8Array }[] = [];

  return {
    shareBytes,
    collectivePublicKey: (shares) => {
      custody?.hold('collectivePublicKey');
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
        throw sealFailure(seal, err, 'CRYPTO_ERR_BAD_CIPHERTEXT', `the collective public key does not load`);
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
      const cipher = new seal.Ciphertext();
      const plain = new seal.Plaintext();
      try {
        // (E, c1) with E the smudging noise in NTT form; decrypting it with s_i gives E + c1 s_i
        const k = readyNoise.findIndex((r) => r.bits === smudgingBits && r.blob.length === ciphertext.length);
        const masked = k >= 0 ? (readyNoise.splice(k, 1)[0] as { blob: Uint8Array }).blob : smudgingNoiseNtt(ckks, ciphertext, ct.l, smudgingBits);
        masked.set(ciphertext.subarray(CT_DATA + ct.l * n * 8), CT_DATA + ct.l * n * 8);
        cipher.loadFromArray(context, masked);
        decryptor.decrypt(cipher, plain);
        const out = plain.saveToArray(seal.ComprModeType.none) as Uint8Array;
        served.add(digest);
        return out.slice(PT_DATA, PT_DATA + ct.l * n * 8);
      } catch (err) {
        // a ciphertext whose header SEAL refuses is a bad ciphertext, not a SEAL failure
        throw sealFailure(seal, err, 'CRYPTO_ERR_BAD_CIPHERTEXT', `cannot compute a decryption share of this ciphertext`);
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
    decryptWithShares: (ciphertext, otherShares, used = ckks.slots) => {
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
            throw sealFailure(seal, err, 'CRYPTO_ERR_BAD_CIPHERTEXT', `decryption share ${i + 1} is not valid`);
          }
          evaluator.addInplace(cipher, term);
        }
        decryptor.decrypt(cipher, plain);
        served.add(digest);
        const values = (ckks.encoder.decodeFloat64(plain) as Float64Array).slice();
        ledger?.decrypted(Math.min(used, values.length));
        return values;
      } catch (err) {
        throw sealFailure(seal, err, 'CRYPTO_ERR_SEAL', `cannot decrypt with the shares`);
      } finally {
        plain.delete();
        term.delete();
        cipher.delete();
        evaluator.delete();
      }
    },
    training: () => {
      if (!training) {
        const keyOps = trainingKeyOps(ckks, secretKey);
        const decOps = ownerDecryptOps(ckks, secretKey, ledger);
        training = {
          ...keyOps,
          ...decOps,
          delete: () => {
            keyOps.delete();
            decOps.delete();
          },
        };
      }
      return training;
    },
    delete: dispose,
    [Symbol.dispose]: dispose,
  };
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
