/**
 * What a deviating party can compute, for the attack scenarios that show why
 * the defences exist (docs/SECURITY.md). Each works on SEAL's serialized
 * objects, in the NTT domain where products are pointwise:
 *  - a rogue key share: p_X = p* - sum of the others' shares, so the
 *    collective key is p*, whose secret only X knows;
 *  - a crafted input: c1 = K - sum of the others' c1, so the sum's c1 is the
 *    constant K and each honest decryption share d_j = K s_j + E_j gives s_j
 *    away once K is wider than the smudging noise;
 *  - a cancelling input: minus the sum of every other input but the target's.
 */
import { type CkksContext, sealFailure, sumCiphertexts } from './ckks.ts';
import { combineShares } from './combine.ts';
import { CT_DATA, ciphertextShape, keyLevelPrimes, putU64, u64 } from './seal-layout.ts';

/** The constant a crafted input makes the sum's c1: wider than 8 standard deviations of 2^54 smudging, below half a 60-bit prime. */
export const CRAFTED_C1 = 2n ** 58n;

function residues(blob: Uint8Array, poly: 0 | 1, l: number, n: number): BigUint64Array {
  return u64(blob, CT_DATA + poly * l * n * 8, l * n);
}

/** p_X such that p_X + sum(others) = p*, residue by residue at the key level. */
export function rogueShare(ckks: CkksContext, target: Uint8Array, others: readonly Uint8Array[]): Uint8Array {
  const primes = keyLevelPrimes(ckks);
  const n = ckks.params.polyModulusDegree;
  const out = u64(target, 0, primes.length * n);
  for (const other of others) {
    const p = u64(other, 0, primes.length * n);
    for (let j = 0; j < primes.length; j++) {
      const q = primes[j] as bigint;
      for (let k = j * n; k < (j + 1) * n; k++) out[k] = ((out[k] as bigint) + q - (p[k] as bigint)) % q;
    }
  }
  return new Uint8Array(out.buffer);
}

/** Ciphertexts like `own` (its c0) whose c1 cancels the others' c1 down to the constant K. */
export function craftedInput(ckks: CkksContext, own: readonly Uint8Array[], others: readonly (readonly Uint8Array[])[]): Uint8Array[] {
  const primes = keyLevelPrimes(ckks);
  const n = ckks.params.polyModulusDegree;
  return own.map((blob, c) => {
    const { l } = ciphertextShape(ckks, blob);
    const c1 = new BigUint64Array(l * n);
    for (let j = 0; j < l; j++) c1.fill(CRAFTED_C1 % (primes[j] as bigint), j * n, (j + 1) * n);
    for (const input of others) {
      const theirs = residues((input[c] as Uint8Array).slice(), 1, l, n);
      for (let j = 0; j < l; j++) {
        const q = primes[j] as bigint;
        for (let k = j * n; k < (j + 1) * n; k++) c1[k] = ((c1[k] as bigint) + q - (theirs[k] as bigint)) % q;
      }
    }
    const out = blob.slice();
    putU64(out, CT_DATA + l * n * 8, c1);
    return out;
  });
}

/**
 * A secret-key share from a decryption share of a ciphertext whose c1 is the
 * constant K: d = K s + E, so in coefficient form s = round(d / K) (mod the
 * first prime, centred). Returns s's coefficients (small integers).
 */
export function recoverKeyShare(ckks: CkksContext, share: Uint8Array, template: Uint8Array): Int32Array {
  const { seal, context } = ckks;
  const n = ckks.params.polyModulusDegree;
  const { l } = ciphertextShape(ckks, template);
  const q0 = keyLevelPrimes(ckks)[0] as bigint;
  // the share as c0 of a ciphertext (c1 = 1, non-zero so SEAL accepts it), taken out of NTT form by SEAL
  const blob = template.slice();
  blob.set(share, CT_DATA);
  const ones = new BigUint64Array(l * n).fill(1n);
  putU64(blob, CT_DATA + l * n * 8, ones);
  const ct = new seal.Ciphertext();
  const evaluator = new seal.Evaluator(context);
  try {
    ct.loadFromArray(context, blob);
    evaluator.cipherTransformFromNttInplace(ct);
    const coeff = residues(ct.saveToArray(seal.ComprModeType.none) as Uint8Array, 0, l, n);
    const s = new Int32Array(n);
    for (let k = 0; k < n; k++) {
      const x = coeff[k] as bigint;
      const centred = x > q0 / 2n ? x - q0 : x;
      s[k] = Number((centred + (centred >= 0n ? CRAFTED_C1 / 2n : -CRAFTED_C1 / 2n)) / CRAFTED_C1);
    }
    return s;
  } catch (err) {
    throw sealFailure(seal, err, 'CRYPTO_ERR_SEAL', `cannot take the share out of NTT form`);
  } finally {
    evaluator.delete();
    ct.delete();
  }
}

/** c1 s for a secret given by its coefficients: the decryption share that secret would give for this ciphertext. */
export function shareFor(ckks: CkksContext, ciphertext: Uint8Array, secret: Int32Array): Uint8Array {
  const { seal, context } = ckks;
  const n = ckks.params.polyModulusDegree;
  const { l } = ciphertextShape(ckks, ciphertext);
  const primes = keyLevelPrimes(ckks);
  // s into NTT form at the ciphertext's level, through SEAL (as c0 of a coefficient-form ciphertext)
  const blob = ciphertext.slice();
  blob[48] = 0;
  const s = new BigUint64Array(l * n);
  for (let j = 0; j < l; j++) {
    const q = primes[j] as bigint;
    for (let k = 0; k < n; k++) {
      const v = BigInt(secret[k] as number);
      s[j * n + k] = v < 0n ? v + q : v;
    }
  }
  putU64(blob, CT_DATA, s);
  putU64(blob, CT_DATA + l * n * 8, new BigUint64Array(l * n).fill(1n));
  const ct = new seal.Ciphertext();
  const evaluator = new seal.Evaluator(context);
  let sNtt: BigUint64Array;
  try {
    ct.loadFromArray(context, blob);
    evaluator.cipherTransformToNttInplace(ct);
    sNtt = residues(ct.saveToArray(seal.ComprModeType.none) as Uint8Array, 0, l, n);
  } finally {
    evaluator.delete();
    ct.delete();
  }
  const c1 = residues(ciphertext.slice(), 1, l, n);
  const d = new BigUint64Array(l * n);
  for (let j = 0; j < l; j++) {
    const q = primes[j] as bigint;
    for (let k = j * n; k < (j + 1) * n; k++) d[k] = ((c1[k] as bigint) * (sNtt[k] as bigint)) % q;
  }
  return new Uint8Array(d.buffer);
}

/** Decrypts a ciphertext with a whole secret key given by its coefficients: c0 + c1 s, decoded. */
export function decryptWithSecret(ckks: CkksContext, ciphertext: Uint8Array, secret: Int32Array): Float64Array {
  return combineShares(ckks, ciphertext, [shareFor(ckks, ciphertext, secret)]);
}

/** Minus the sum of the given inputs: added to the target's input, everything else cancels. */
export async function cancellingInput(ckks: CkksContext, others: readonly (readonly Uint8Array[])[]): Promise<Uint8Array[]> {
  const sum = others.length === 1 ? (others[0] as Uint8Array[]) : await sumCiphertexts(ckks, others);
  const { seal, context } = ckks;
  const evaluator = new seal.Evaluator(context);
  try {
    return sum.map((blob, c) => {
      const ct = ckks.loadCiphertext(blob, `ciphertext ${c + 1}`);
      try {
        evaluator.negateInplace(ct);
        return ckks.saveCiphertext(ct);
      } finally {
        ct.delete();
      }
    });
  } finally {
    evaluator.delete();
  }
}
