/**
 * Threshold decryption, one party's side. Every party commits to its input,
 * reveals it once all have committed (so nobody picks its input after seeing
 * another's: no cancelling input, no crafted c1), and receives every other
 * party's signed input. Asked to decrypt, it sums every input itself (its
 * own included), compares the request's hashes with its own sum, and answers
 * a request at most once. Holders send shares sealed for the recipient and
 * signed; the recipient adds them to c0 and decrypts with its own share.
 */
import { asFedError, type CkksContext, ciphertextDigest, commitNonce, FedError, openSealed, sealTo, sumCiphertexts, thresholdNoise } from '@fedrisk/shared';
import type { Handlers } from '../handlers.ts';
import type { Session } from '../session.ts';
import { checkCommitted, checkSigned, commitmentOf, sign } from '../signing.ts';
import type { ThresholdDecryptState } from '../state.ts';
import { attackInput, learnFromShares, readsInputsAfterSum, readWithRogueKey } from './attacks.ts';

export function thresholdState(s: Session): ThresholdDecryptState {
  s.threshold ??= {
    commits: new Map(),
    pending: undefined,
    inputs: new Map(),
    ownSum: undefined,
    answered: new Set(),
    verifiedSum: undefined,
    shares: new Map(),
  };
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

const inputFields = (slots: number, blobs: readonly Uint8Array[]) => [String(slots), ...blobs];

/** Threshold: commits to this party's encrypted input; it is revealed by revealInputIfReady once every party has committed. */
export async function commitInput(s: Session, blobs: Uint8Array[]): Promise<void> {
  const t = thresholdState(s);
  const nonce = commitNonce();
  t.pending = { blobs, nonce };
  // while the others still encrypt, a holder draws the smudging noise its shares will need
  prepareSmudging(s, blobs[0] as Uint8Array, blobs.length);
  if (!s.config.defences) return;
  const slots = (s.slotIds as string[]).length;
  const commitment = commitmentOf(s, s.me, 'input', inputFields(slots, blobs), nonce);
  t.commits.set(s.me, commitment);
  await s.send({ type: 'scores.commit', jobId: s.started.jobId, commitment, signature: sign(s, 'scores.commit', [commitment]) });
}

/** Threshold: reveals this party's input once every party committed (at once when the defences are off). */
export async function revealInputIfReady(s: Session): Promise<void> {
  const t = s.threshold;
  if (!t?.pending || s.steps.has('input:reveal')) return;
  if (s.config.defences && t.commits.size < s.jobParties.length) return;
  const { nonce } = t.pending;
  // a staged crafted or cancelling input waits for every other input and is built from them
  const blobs = await attackInput(s, t.pending.blobs, t.inputs);
  if (!blobs || s.steps.has('input:reveal')) return;
  s.steps.begin('input:reveal');
  t.pending = undefined;
  t.inputs.set(s.me, blobs);
  const slots = (s.slotIds as string[]).length;
  const signature = sign(s, 'scores.partial', inputFields(slots, blobs));
  await s.send({ type: 'scores.partial', jobId: s.started.jobId, slots, chunks: blobs.length, ...(s.config.defences ? { nonce } : {}), signature }, blobs);
  s.log.info({ chunks: blobs.length, bytes: blobs.reduce((n, b) => n + b.length, 0) }, 'encrypted partial scores sent');
}

/** Recipient: decrypt once the verified sum and every other party's shares are in. */
async function combineIfReady(s: Session, onLogits: (logits: Float64Array) => Promise<void>): Promise<void> {
  const t = thresholdState(s);
  const party = s.keys?.threshold;
  if (!t.verifiedSum || !party || t.shares.size < s.jobParties.length - 1 || s.steps.has('combine')) return;
  s.steps.begin('combine');
  const ctx = s.ctx;
  const sum = t.verifiedSum;
  const slots = (s.slotIds as string[]).length;
  const others = s.jobParties.filter((p) => p.id !== s.me);
  learnFromShares(s, t.shares, sum);
  const logits = await s.timed('decrypt', async () => {
    const out = new Float64Array(slots);
    for (const [c, ct] of sum.entries()) {
      const used = Math.min(ctx.slots, slots - c * ctx.slots);
      const values = party.decryptWithShares(
        ct,
        others.map((p) => (t.shares.get(p.id) as Uint8Array[])[c] as Uint8Array),
        used,
      );
      out.set(values.subarray(0, used), c * ctx.slots);
      s.progress('decrypt', c + 1, sum.length);
      await new Promise((r) => setImmediate(r));
    }
    return out;
  });
  release(t);
  t.verifiedSum = undefined;
  forgetSum(t);
  for (const from of t.shares.keys()) t.shares.set(from, []);
  await onLogits(logits);
}

/** Drops the input ciphertexts once summed, keeping who sent one (the checks that follow need no more). */
function release(t: ThresholdDecryptState): void {
  for (const from of t.inputs.keys()) t.inputs.set(from, []);
}

/** Drops this party's own sum once used, keeping its digests: a later request is compared with them alone. */
function forgetSum(t: ThresholdDecryptState): void {
  if (t.ownSum) t.ownSum = { blobs: [], digests: t.ownSum.digests };
}

/** The handlers; `onLogits` is what the job does with the decrypted result (the recipient only). */
export function thresholdDecryptHandlers(onLogits: (s: Session, logits: Float64Array) => Promise<void>): Handlers {
  return {
    'scores.commit': (s, msg) => {
      const t = thresholdState(s);
      if (s.started.keys !== 'threshold' || t.commits.has(msg.from) || !s.jobParties.some((p) => p.id === msg.from))
        throw new FedError('PROTO_ERR_UNEXPECTED', `scores.commit from ${msg.from} is not expected`);
      checkSigned(s, 'scores.commit', msg.from, [msg.commitment], msg.signature);
      t.commits.set(msg.from, msg.commitment);
    },

    'scores.input': (s, msg, blobs) => {
      const t = thresholdState(s);
      if (s.started.keys !== 'threshold' || t.inputs.has(msg.from) || msg.from === s.me || !s.jobParties.some((p) => p.id === msg.from))
        throw new FedError('PROTO_ERR_UNEXPECTED', `scores.input from ${msg.from} is not expected`);
      const fields = inputFields(msg.slots, blobs);
      checkSigned(s, 'scores.partial', msg.from, fields, msg.signature);
      checkCommitted(s, msg.from, 'input', fields, msg.nonce, t.commits.get(msg.from));
      t.inputs.set(msg.from, blobs);
      readWithRogueKey(s, msg.from, blobs);
    },

    /** issue a decryption share only for the job's agreed output, the sum of every party's signed input, and only once */
    'decrypt.request': async (s, msg) => {
      const t = thresholdState(s);
      const keys = s.keys;
      const party = keys?.threshold;
      if (!party || !keys) throw new FedError('PROTO_ERR_UNEXPECTED', 'decrypt.request outside a threshold job');
      const ctx = s.ctx;
      try {
        const missing = s.jobParties.filter((p) => !t.inputs.has(p.id)).map((p) => p.id);
        if (missing.length) throw new FedError('CRYPTO_ERR_SHARE_REFUSED', `cannot check the request: no signed input from ${missing.join(', ')}`);
        t.ownSum ??= await s.timed('verify', async () => {
          const sum = await sumCiphertexts(
            ctx,
            s.jobParties.map((p) => t.inputs.get(p.id) as Uint8Array[]),
            { signal: s.deps.signal, names: s.jobParties.map((p) => p.id) },
          );
          const blobs = sum.map((b) => canonical(ctx, b, 'own sum'));
          return { blobs, digests: blobs.map((b) => ciphertextDigest(ctx, b)) };
        });
        // summed, the inputs are needed no more, unless a staged attack reads them once the shares are in
        if (!readsInputsAfterSum(s)) release(t);
        const { blobs: own, digests: ownDigests } = t.ownSum;
        const same = ownDigests.length === msg.digests.length && ownDigests.every((d, i) => d === msg.digests[i]);
        // with the defences off (a staged attack) a party decrypts what it is asked, as a naive design would
        if (!same && s.config.defences) {
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
            out.push(sealTo(peer.x25519, party.decryptionShare(b, noise.smudgingBits)));
            s.progress('share', c + 1, own.length);
            await new Promise((r) => setImmediate(r));
          }
          return out;
        });
        const signature = sign(s, 'decrypt.share', [recipient, ...sealed]);
        await s.send({ type: 'decrypt.share', jobId: msg.jobId, to: recipient, chunks: sealed.length, signature }, sealed);
        // answered: a later request is refused by its digests alone
        forgetSum(t);
        s.log.info({ chunks: sealed.length, smudgingBits: noise.smudgingBits }, 'decryption shares sent, sealed for the recipient');
      } catch (err) {
        const fe = asFedError(err, 'CRYPTO_ERR_SHARE_REFUSED');
        s.log.error({ code: fe.code, err: fe.message }, 'refusing to decrypt');
        await s.send({ type: 'decrypt.verdict', jobId: msg.jobId, ok: false, error: fe.toWire() });
      }
    },

    'decrypt.share': (s, msg, blobs) => {
      const t = thresholdState(s);
      const box = s.keys?.box;
      if (!s.isRecipient || !box || t.shares.has(msg.from) || !s.jobParties.some((p) => p.id === msg.from && p.id !== s.me))
        throw new FedError('PROTO_ERR_UNEXPECTED', `decrypt.share from ${msg.from} is not expected`);
      checkSigned(s, 'decrypt.share', msg.from, [s.me, ...blobs], msg.signature);
      t.shares.set(
        msg.from,
        blobs.map((b, c) => openSealed(box, b, `${msg.from}'s decryption share ${c + 1}`)),
      );
      return combineIfReady(s, (l) => onLogits(s, l));
    },
  };
}

/** While the others still encrypt, a holder draws the smudging noise its shares will need: it depends only on the shape. */
function prepareSmudging(s: Session, template: Uint8Array, count: number): void {
  const party = s.keys?.threshold;
  if (!party || s.isRecipient) return;
  const ctx = s.ctx;
  const noise = thresholdNoise(ctx.params.polyModulusDegree, s.jobParties.length, s.jobParties.length, ctx.params.scaleBits);
  void party
    .prepareNoise(canonical(ctx, template, 'own input'), count, noise.smudgingBits, s.deps.signal)
    .catch((err: unknown) => s.log.warn({ err: (err as Error).message }, 'noise not drawn ahead'));
}
