/**
 * The arithmetic of the reasons refinement (an encrypted comparison of
 * contested candidates). The recipient R holds a fresh key pair made for this
 * step only; a sender encrypts its values under R's key; the masker computes
 * Enc(r ⊙ (own − operand)) with a fresh positive mask r per position, so R,
 * decrypting, reads the sign of each difference and a magnitude scaled by an
 * unknown factor in [1, 2^16]. Values are sent relative to a base the plan
 * gives (the lower edge of the contested band), so they stay below a few band
 * widths and the product fits the data moduli.
 */
import { randomBytes } from 'node:crypto';
import { FedError } from '../util/errors.ts';
import type { CkksParams } from '../wire/params.ts';
import { type CkksContext, sealFailure } from './ckks.ts';

/** Masks are drawn log-uniformly from [1, 2^MASK_BITS]. */
export const MASK_BITS = 16;
/** The scale the masks are encoded at, when the data moduli allow it. */
const MAX_MASK_SCALE_BITS = 20;
/** Below this scale the masks' encoding error would blur small differences: refused. */
const MIN_MASK_SCALE_BITS = 10;

/**
 * The scale (in bits) to encode the masks at under `params`, for values up to
 * `bound` in magnitude: fresh scale + mask scale + mask bits + value bits must
 * stay 2 bits below the data moduli (one for the sign, one for margin).
 */
export function refineMaskScaleBits(params: CkksParams, bound: number): number {
  const bits = params.coeffModulusBits;
  const dataBits = bits.slice(0, -1).reduce((s, b) => s + b, 0);
  const valueBits = Math.ceil(Math.log2(bound + 1));
  const room = dataBits - 2 - params.scaleBits - MASK_BITS - valueBits;
  if (room < MIN_MASK_SCALE_BITS)
    throw new FedError(
      'CRYPTO_ERR_INVALID_PARAMS',
      `the reasons refinement needs ${MIN_MASK_SCALE_BITS} bits for its masks, but the data moduli (${dataBits} bits) leave ${room} after the scale (${params.scaleBits}), the masks (${MASK_BITS}) and the values (${valueBits}): turn policy.reasons.refine off or lower scaleBits`,
    );
  return Math.min(MAX_MASK_SCALE_BITS, room);
}

/** `n` fresh masks, log-uniform in [1, 2^MASK_BITS], from node:crypto (a mask is secret: never the seeded Rng). */
export function drawMasks(n: number): Float64Array {
  const bytes = randomBytes(4 * n);
  return Float64Array.from({ length: n }, (_, i) => 2 ** ((MASK_BITS * bytes.readUInt32LE(4 * i)) / 2 ** 32));
}

/**
 * The masker's step: Enc(r ⊙ (own − Σ operands)). The operands fill disjoint
 * positions (one per sender), so their sum is every sender's values at this
 * masker's positions. Needs no key: multiply by the plaintext −r, then add
 * the plaintext r ⊙ own at the product's scale.
 */
export function maskDifference(ckks: CkksContext, operands: readonly Uint8Array[], own: Float64Array, masks: Float64Array, maskScaleBits: number): Uint8Array {
  const { seal, context, encoder } = ckks;
  if (!operands.length) throw new FedError('JOB_ERR_MISMATCH', 'the masker has no operand to compare against');
  const evaluator = new seal.Evaluator(context);
  const acc = ckks.loadCiphertext(operands[0] as Uint8Array, 'operand 1');
  const plain = new seal.Plaintext();
  try {
    for (let i = 1; i < operands.length; i++) {
      const term = ckks.loadCiphertext(operands[i] as Uint8Array, `operand ${i + 1}`);
      try {
        evaluator.addInplace(acc, term);
      } finally {
        term.delete();
      }
    }
    const negMasks = new Float64Array(ckks.slots);
    const maskedOwn = new Float64Array(ckks.slots);
    for (let i = 0; i < ckks.slots; i++) {
      const r = masks[i] ?? 1;
      negMasks[i] = -r;
      maskedOwn[i] = r * (own[i] ?? 0);
    }
    encoder.encode(negMasks, 2 ** maskScaleBits, plain);
    evaluator.plainModSwitchToInplace(plain, acc.parmsId());
    evaluator.multiplyPlainInplace(acc, plain);
    encoder.encode(maskedOwn, acc.scale(), plain);
    evaluator.plainModSwitchToInplace(plain, acc.parmsId());
    evaluator.addPlainInplace(acc, plain);
    return ckks.saveCiphertext(acc);
  } catch (err) {
    throw sealFailure(seal, err, 'CRYPTO_ERR_SEAL', `cannot mask the compared differences`);
  } finally {
    plain.delete();
    acc.delete();
    evaluator.delete();
  }
}

/** A decrypted masked difference below this is within the CKKS error: a tie (the band order stands). */
export const REFINE_TIE = 1e-2;

/** The sign R reads at each position: 1 the masker's value is larger, −1 the sender's, 0 a tie. */
export function signsOf(decrypted: Float64Array, positions: readonly number[]): number[] {
  return positions.map((p) => {
    const v = decrypted[p] as number;
    return Math.abs(v) < REFINE_TIE ? 0 : Math.sign(v);
  });
}
