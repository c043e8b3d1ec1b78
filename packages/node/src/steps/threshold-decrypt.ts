/**
 * Threshold decryption, one party's side. Each party receives every other
 * party's signed input; asked to decrypt, it sums every signed input itself
 * (its own included), compares the request's hashes with its own sum, and
 * answers a request at most once. Holders send shares sealed for the
 * recipient; the recipient adds them to c0 and decrypts with its own share.
 */
import { asFedError, type CkksContext, ciphertextDigest, FedError, openFrom, sealFor, sumCiphertexts, thresholdNoise, verifyFields } from '@fedrisk/shared';
import type { Handlers } from '../handlers.ts';
import type { Session } from '../session.ts';
import type { ThresholdDecryptState } from '../state.ts';

function thresholdState(s: Session): ThresholdDecryptState {
  s.threshold ??= { inputs: new Map(), answered: new Set(), verifiedSum: undefined, sealedShares: new Map() };
  return s.threshold;
}

/** SEAL's uncompressed serialization is deterministic: the form whose hash names a ciphertext. */
function canonical(ctx: CkksContext, blob: Uint8Array, what: string): Uint8Array {
  if (blob[5] === 0) return blob;
  const ct = ctx.loadCiphertext(blob, what);
  try {
    return ct.saveToArray(ctx.seal.ComprModeType.none) as Uint8Array;
  } finally {
    ct.delete();
  }
}

/** Recipient: decrypt once the verified sum and every other party's sealed shares are in. */
async function combineIfReady(s: Session, onLogits: (logits: Float64Array) => Promise<void>): Promise<void> {
  const t = thresholdState(s);
  const keys = s.keys;
  const party = keys?.threshold;
  const ephemeral = keys?.ephemeral;
  if (!t.verifiedSum || !party || !ephemeral || t.sealedShares.size < s.jobParties.length - 1 || s.steps.has('combine')) return;
  s.steps.begin('combine');
  const ctx = s.ctx;
  const jobId = s.started.jobId;
  const sum = t.verifiedSum;
  const slots = (s.slotIds as string[]).length;
  const others = s.jobParties.filter((p) => p.id !== s.me);
  const logits = await s.timed('decrypt', async () => {
    const out = new Float64Array(slots);
    for (const [c, ct] of sum.entries()) {
      const shares = others.map((p) =>
        openFrom(
          ephemeral,
          (keys.shares.get(p.id) as { x25519: string }).x25519,
          jobId,
          `${jobId}|${p.id}|${s.me}|${c}`,
          (t.sealedShares.get(p.id) as Uint8Array[])[c] as Uint8Array,
        ),
      );
      const values = party.decryptWithShares(ct, shares);
      out.set(values.subarray(0, Math.min(ctx.slots, slots - c * ctx.slots)), c * ctx.slots);
      s.progress('decrypt', c + 1, sum.length);
      await new Promise((r) => setImmediate(r));
    }
    return out;
  });
  s.deps.ledger.decrypted(logits.length);
  await onLogits(logits);
}

/** The handlers; `onLogits` is what the job does with the decrypted result (the recipient only). */
export function thresholdDecryptHandlers(onLogits: (s: Session, logits: Float64Array) => Promise<void>): Handlers {
  return {
    'scores.input': (s, msg, blobs) => {
      const t = thresholdState(s);
      if (s.started.keys !== 'threshold' || t.inputs.has(msg.from) || msg.from === s.me || !s.jobParties.some((p) => p.id === msg.from))
        throw new FedError('PROTO_ERR_UNEXPECTED', `scores.input from ${msg.from} is not expected`);
      if (!verifyFields(s.rosterKey(msg.from), ['scores.partial', msg.jobId, msg.from, String(msg.slots), ...blobs], msg.signature)) {
        throw new FedError('CRYPTO_ERR_SIGNATURE', `the input said to come from ${msg.from} is not signed by ${msg.from}`);
      }
      t.inputs.set(msg.from, blobs);
    },

    /** issue a decryption share only for the job's agreed output, the sum of every party's signed input, and only once */
    'decrypt.request': async (s, msg) => {
      const t = thresholdState(s);
      const keys = s.keys;
      const party = keys?.threshold;
      const ephemeral = keys?.ephemeral;
      if (!party || !ephemeral) throw new FedError('PROTO_ERR_UNEXPECTED', 'decrypt.request outside a threshold job');
      const ctx = s.ctx;
      try {
        const missing = s.jobParties.filter((p) => !t.inputs.has(p.id)).map((p) => p.id);
        if (missing.length) throw new FedError('CRYPTO_ERR_SHARE_REFUSED', `cannot check the request: no signed input from ${missing.join(', ')}`);
        const own = await s.timed('verify', async () => {
          const sum = await sumCiphertexts(
            ctx,
            s.jobParties.map((p) => t.inputs.get(p.id) as Uint8Array[]),
            { signal: s.deps.signal, names: s.jobParties.map((p) => p.id) },
          );
          return sum.map((b) => canonical(ctx, b, 'own sum'));
        });
        const ownDigests = own.map((b) => ciphertextDigest(ctx, b));
        const same = ownDigests.length === msg.digests.length && ownDigests.every((d, i) => d === msg.digests[i]);
        if (!same) {
          throw new FedError(
            'CRYPTO_ERR_SHARE_REFUSED',
            `the coordinator asked ${s.me} to decrypt ciphertexts that are not the sum of the job's ${s.jobParties.length} signed inputs`,
          );
        }
        const digest = ownDigests.join();
        if (t.answered.has(digest))
          throw new FedError('CRYPTO_ERR_SHARE_REPLAY', `${s.me} already answered a request for these ciphertexts; it never issues a second share`);
        t.answered.add(digest);
        await s.send({ type: 'decrypt.verdict', jobId: msg.jobId, ok: true });
        if (s.isRecipient) {
          t.verifiedSum = own;
          return combineIfReady(s, (l) => onLogits(s, l));
        }
        const recipient = s.started.recipient;
        const noise = thresholdNoise(ctx.params.polyModulusDegree, s.jobParties.length, s.jobParties.length, ctx.params.scaleBits);
        const peer = keys.shares.get(recipient) as { x25519: string };
        const sealed = await s.timed('share', async () => {
          const out: Uint8Array[] = [];
          for (const [c, b] of own.entries()) {
            const share = party.decryptionShare(b, noise.smudgingBits);
            out.push(sealFor(ephemeral, peer.x25519, msg.jobId, `${msg.jobId}|${s.me}|${recipient}|${c}`, share));
            s.progress('share', c + 1, own.length);
            await new Promise((r) => setImmediate(r));
          }
          return out;
        });
        await s.send({ type: 'decrypt.share', jobId: msg.jobId, to: recipient, chunks: sealed.length }, sealed);
        s.log.info({ chunks: sealed.length, smudgingBits: noise.smudgingBits }, 'decryption shares sent, sealed for the recipient');
      } catch (err) {
        const fe = asFedError(err, 'CRYPTO_ERR_SHARE_REFUSED');
        s.log.error({ code: fe.code, err: fe.message }, 'refusing to decrypt');
        await s.send({ type: 'decrypt.verdict', jobId: msg.jobId, ok: false, error: fe.toWire() });
      }
    },

    'decrypt.share': (s, msg, blobs) => {
      const t = thresholdState(s);
      if (!s.isRecipient || !s.keys?.threshold || t.sealedShares.has(msg.from) || !s.jobParties.some((p) => p.id === msg.from && p.id !== s.me))
        throw new FedError('PROTO_ERR_UNEXPECTED', `decrypt.share from ${msg.from} is not expected`);
      t.sealedShares.set(msg.from, blobs);
      return combineIfReady(s, (l) => onLogits(s, l));
    },
  };
}

/** Threshold: this party's own input counts among the inputs it checks requests against. */
export function recordOwnInput(s: Session, blobs: Uint8Array[]): void {
  thresholdState(s).inputs.set(s.me, blobs);
}

/** While the others still encrypt, a holder draws the smudging noise its shares will need: it depends only on the shape. */
export function prepareSmudging(s: Session, template: Uint8Array, count: number): void {
  const party = s.keys?.threshold;
  if (!party || s.isRecipient) return;
  const ctx = s.ctx;
  const noise = thresholdNoise(ctx.params.polyModulusDegree, s.jobParties.length, s.jobParties.length, ctx.params.scaleBits);
  void party
    .prepareNoise(canonical(ctx, template, 'own input'), count, noise.smudgingBits, s.deps.signal)
    .catch((err: unknown) => s.log.warn({ err: (err as Error).message }, 'noise not drawn ahead'));
}
