/**
 * Threshold training's loss, one party's encrypted terms: the Taylor loss is
 * m (L - log 2) = sum_p 1/2 <w, u_p> with w = d + 1/2 - y, so each party needs
 * only a multiplyPlain of [[w]] by its own u_p / 2 (no ciphertext product, no
 * relinearisation key). The bank adds 1/2 - y in the clear, a holder the
 * bank's [[1/2 - y]]; the terms are kept unrescaled over the epoch and
 * rescaled once. The bank adds everyone's terms and sums every slot: one
 * number, decrypted to it alone.
 */
import { type CkksContext, columnScale, sumAllSlots } from '@fedrisk/shared';
import type { Ciphertext, GaloisKeys } from 'node-seal';

export interface LossTerms {
  /** adds [[w]] u / 2 for one batch; `halfMinusY` for the bank, `labels` ([[1/2 - y]]) for a holder; none while u is zero */
  add(d: Ciphertext, u: Float64Array, offset: { halfMinusY: Float64Array } | { labels: Uint8Array }): void;
  /** the epoch's terms, rescaled once, or null if there were none; starts a new epoch */
  take(): Uint8Array | null;
  delete(): void;
}

export function lossTerms(ctx: CkksContext): LossTerms {
  const evaluator = new ctx.seal.Evaluator(ctx.context);
  const plain = new ctx.seal.Plaintext();
  let acc: Ciphertext | undefined;
  const padded = (v: Float64Array) => {
    const out = new Float64Array(ctx.slots);
    out.set(v.subarray(0, ctx.slots));
    return out;
  };
  return {
    add: (d, u, offset) => {
      if (u.every((x) => x === 0)) return;
      if ('halfMinusY' in offset) {
        ctx.encoder.encode(padded(offset.halfMinusY), d.scale(), plain);
        evaluator.addPlainInplace(d, plain);
      } else {
        const labels = ctx.loadCiphertext(offset.labels, "the bank's encrypted labels");
        try {
          evaluator.addInplace(d, labels);
        } finally {
          labels.delete();
        }
      }
      ctx.encoder.encode(padded(u.map((x) => x / 2)), columnScale(ctx), plain);
      const t = new ctx.seal.Ciphertext();
      evaluator.multiplyPlain(d, plain, t);
      if (acc) {
        evaluator.addInplace(acc, t);
        t.delete();
      } else acc = t;
    },
    take: () => {
      if (!acc) return null;
      try {
        evaluator.rescaleToNextInplace(acc);
        return ctx.saveCiphertext(acc);
      } finally {
        acc.delete();
        acc = undefined;
      }
    },
    delete: () => {
      acc?.delete();
      plain.delete();
      evaluator.delete();
    },
  };
}

/** The bank: every party's epoch terms added, then summed over every slot (each slot then holds the total). */
export function epochLossCiphertext(ctx: CkksContext, blobs: readonly Uint8Array[], galois: GaloisKeys): Uint8Array {
  const evaluator = new ctx.seal.Evaluator(ctx.context);
  const acc = ctx.loadCiphertext(blobs[0] as Uint8Array, 'loss terms');
  try {
    for (const b of blobs.slice(1)) {
      const t = ctx.loadCiphertext(b, 'loss terms');
      evaluator.addInplace(acc, t);
      t.delete();
    }
    sumAllSlots(ctx, acc, galois);
    return ctx.saveCiphertext(acc);
  } finally {
    acc.delete();
    evaluator.delete();
  }
}
