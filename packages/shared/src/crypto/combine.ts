/**
 * Combining decryption shares outside any party (what an outside combiner, or
 * a test, would do): c0 plus every party's share, decoded.
 */

import { FedError } from '../util/errors.ts';
import type { CkksContext } from './ckks.ts';
import { type CiphertextPolys, header, keyLevelPrimes, PT_DATA, putU64, readCiphertext, u64 } from './seal-layout.ts';

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
