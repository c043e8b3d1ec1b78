/** The encrypted gradient step of joint training: inner products of plaintext columns with an encrypted residual. */
import { type CkksContext, sealFailure } from './ckks.ts';

/**
 * sum_r x_r * d_r for one feature, on a ciphertext of residuals: multiply by
 * the plaintext column, rescale, then rotate and add log2(slots) times so
 * every slot holds the sum. A random mask is added before the result leaves
 * the party, so the key holder that decrypts it learns nothing of it.
 */
export async function encryptedInnerProducts(
  ckks: CkksContext,
  residual: Uint8Array,
  columns: readonly Float64Array[],
  galoisKeysBytes: Uint8Array,
  masks: readonly number[],
): Promise<Uint8Array[]> {
  const { seal, context, encoder } = ckks;
  const evaluator = new seal.Evaluator(context);
  const galois = new seal.GaloisKeys();
  const d = ckks.loadCiphertext(residual, 'residual');
  const plain = new seal.Plaintext();
  const prod = new seal.Ciphertext();
  const rotated = new seal.Ciphertext();
  const out: Uint8Array[] = [];
  try {
    galois.loadFromArray(context, galoisKeysBytes);
    for (const [j, col] of columns.entries()) {
      const x = new Float64Array(ckks.slots);
      x.set(col.subarray(0, ckks.slots));
      encoder.encode(x, ckks.scale, plain);
      evaluator.multiplyPlain(d, plain, prod);
      evaluator.rescaleToNextInplace(prod);
      for (let step = 1; step < ckks.slots; step *= 2) {
        evaluator.rotateVector(prod, step, galois, rotated);
        evaluator.addInplace(prod, rotated);
      }
      encoder.encode(new Float64Array(ckks.slots).fill(masks[j] as number), prod.scale(), plain);
      evaluator.plainModSwitchToInplace(plain, prod.parmsId());
      evaluator.addPlainInplace(prod, plain);
      out.push(ckks.saveCiphertext(prod));
      // a feature takes a dozen rotations: let sockets and timers run between features
      await new Promise((resolve) => setImmediate(resolve));
    }
  } catch (err) {
    throw sealFailure(seal, err, 'CRYPTO_ERR_SEAL', `cannot compute an encrypted gradient`);
  } finally {
    rotated.delete();
    prod.delete();
    plain.delete();
    d.delete();
    galois.delete();
    evaluator.delete();
  }
  return out;
}
