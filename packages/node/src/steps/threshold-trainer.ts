/**
 * One party's side of threshold training (vertical logistic regression with
 * the Taylor residual d = u/4 + 1/2 - y), where nobody holds a key that
 * decrypts alone. Per batch:
 *  1. each party encrypts its part of d under the batch's common a (holders
 *     u_h/4, the bank u_bank/4 + 1/2 - y) and signs it; the coordinator relays it;
 *  2. each party adds every signed part itself: [[d]] under the collective key,
 *     never decrypted by anyone;
 *  3. each party computes its packed gradient X_p^T d (one ciphertext) and asks
 *     the others for decryption shares of it (c1 only); their smudged shares
 *     are sealed to it, so it alone learns its gradient, and steps its weights;
 *  4. each party adds [[w]] u_p/2 (w = d + 1/2 - y) to its loss terms.
 * Per epoch the holders' loss terms go to the bank, which adds them, sums every
 * slot and has that one number decrypted to itself: the Taylor loss. It then
 * tells the holders whether to stop; the loss itself never leaves it.
 */
import {
  addCommonCiphertexts,
  type BoxKeys,
  type CkksContext,
  clipRows,
  columnScale,
  type DpSettings,
  decryptionRequest,
  dpGradientSigma,
  type EncodedBatch,
  type EncodedFeature,
  type EpochRecord,
  earlyStopper,
  encodeBatch,
  encryptVector,
  FedError,
  gradientShape,
  type PackingPlan,
  PLAIN_MEAN_SQUARE_MAX,
  packedGradient,
  packPolyBlob,
  planPacking,
  type ThresholdParty,
  type TrainingParams,
  trainingSeed,
  trainingSmudging,
  unpackGradient,
  unpackPolyBlob,
  withWeights,
} from '@fedrisk/shared';
import type { GaloisKeys } from 'node-seal';
import type { Session } from '../session.ts';
import { checkSigned, sign } from '../signing.ts';
import type { ThresholdTrainer } from '../state.ts';
import { epochLossCiphertext, lossTerms } from './threshold-loss.ts';
import { createRequestGuard } from './training-schedule.ts';

/** a seeded ciphertext ends with SEAL's 81-byte seed object */
const SEED_TRAILER = 81;
/** |d| above this is no honest residual (|u| > 254): a gradient that implies it is refused */
const RESIDUAL_BOUND = 64;

export interface ThresholdTrainerOptions {
  party: ThresholdParty;
  box: BoxKeys;
  /** every party's X25519 key, from its signed key share */
  peers: ReadonlyMap<string, string>;
  publicKey: Uint8Array;
  galois: Uint8Array;
  params: TrainingParams;
  features: EncodedFeature[];
  columns: Float64Array[];
  rows: number;
  /** the label holder only */
  labels?: Float64Array | undefined;
}

const yieldToLoop = () => new Promise((r) => setImmediate(r));

export function createThresholdTrainer(s: Session, o: ThresholdTrainerOptions): ThresholdTrainer {
  const ctx: CkksContext = s.ctx;
  const job = s.started;
  const ids = s.jobParties.map((p) => p.id);
  const bank = job.recipient;
  const isBank = s.me === bank;
  const holders = ids.filter((id) => id !== bank);
  const { params, rows } = o;
  const batchSize = Math.min(params.batchSize, ctx.slots);
  const batches = Math.ceil(rows / batchSize);
  const smudging = trainingSmudging(ctx, ids.length, batches);
  const shape = gradientShape(ctx);
  const keys = o.party.training();
  const dp: DpSettings | undefined = params.dp;
  // DP: a holder's gradient carries Gaussian noise from every other party (labels protected against holders)
  const dpSigma = dp ? dpGradientSigma(dp, params.epochs) : 0;
  // the columns the gradient is made from: the bank's with its intercept; under DP a holder's rows clipped
  const gradientColumns = isBank ? [...o.columns, new Float64Array(rows).fill(1)] : dp ? clipRows(o.columns, dp.clip) : o.columns;
  const plan: PackingPlan = planPacking(ctx.slots, gradientColumns.length);
  const w = new Array<number>(o.columns.length).fill(0);
  let intercept = 0;
  const epochs: EpochRecord[] = [];
  const stopper = earlyStopper(params);
  const galois: GaloisKeys = new ctx.seal.GaloisKeys();
  galois.loadFromArray(ctx.context, o.galois);
  const encoded: EncodedBatch[] = [];
  const labelCts: Uint8Array[] = [];
  const inputs = new Map<string, Map<string, Uint8Array>>();
  const terms = lossTerms(ctx);
  let at = { epoch: 1, batch: 0 };
  let ownPartial: Float64Array | undefined;
  let own: { epoch: number; batch: number; blob: Uint8Array; shares: Map<string, Uint8Array> } | undefined;
  let epochStart = performance.now();
  /** the bank, at an epoch's end: every party's loss terms (null: none) and then the loss request's shares */
  let loss: { epoch: number; terms: Map<string, Uint8Array | null>; blob?: Uint8Array; shares: Map<string, Uint8Array> } | undefined;

  const range = (b: number) => [b * batchSize, Math.min(rows, (b + 1) * batchSize)] as const;
  const halfMinusY = (b: number): Float64Array => {
    const [lo, hi] = range(b);
    return Float64Array.from({ length: hi - lo }, (_, k) => 0.5 - ((o.labels as Float64Array)[lo + k] as number));
  };
  const key = (e: number, b: number) => `${e}/${b}`;

  const sendPartial = async (epoch: number, batch: number): Promise<void> => {
    if (batch === 0) epochStart = performance.now();
    at = { epoch, batch };
    guard.reached(epoch, batch);
    const [lo, hi] = range(batch);
    const u = new Float64Array(hi - lo).fill(isBank ? intercept : 0);
    o.columns.forEach((col, j) => {
      for (let i = lo; i < hi; i++) u[i - lo] = (u[i - lo] as number) + (w[j] as number) * (col[i] as number);
    });
    ownPartial = u;
    const y = isBank ? halfMinusY(batch) : undefined;
    const part = Float64Array.from(u, (x, k) => x / 4 + (y ? (y[k] as number) : 0));
    const blob = await s.timed('train', () => keys.encryptCommon(part, ctx.scale, trainingSeed(job.jobId, 'residual', epoch, batch)));
    const got = inputs.get(key(epoch, batch)) ?? new Map<string, Uint8Array>();
    got.set(s.me, blob);
    inputs.set(key(epoch, batch), got);
    // on the wire each prime's residues take its own bit length (a seeded blob: c0 and the 81-byte seed trailer)
    const wire = packPolyBlob(ctx, blob, SEED_TRAILER);
    await s.send({ type: 'train.partial', jobId: job.jobId, epoch, batch, signature: sign(s, 'train.partial', [String(epoch), String(batch), wire]) }, [wire]);
    await gradientIfReady();
  };

  /** once every party's part of this batch is in: [[d]], the packed gradient and its request, the loss term */
  const gradientIfReady = async (): Promise<void> => {
    const { epoch, batch } = at;
    const got = inputs.get(key(epoch, batch));
    if (!got || got.size < ids.length || (own?.epoch === epoch && own.batch === batch) || (!isBank && labelCts.length < batches)) return;
    inputs.delete(key(epoch, batch));
    const seed = trainingSeed(job.jobId, 'residual', epoch, batch);
    const blob = await s.timed('train', () => {
      const d = ctx.loadCiphertext(
        addCommonCiphertexts(
          ctx,
          ids.map((id) => got.get(id) as Uint8Array),
          seed,
          ids,
        ),
        'the residual',
      );
      try {
        if (!encoded[batch]) {
          const [lo, hi] = range(batch);
          const enc = encodeBatch(
            ctx,
            plan,
            gradientColumns.map((c) => c.subarray(lo, hi)),
            columnScale(ctx),
          );
          if (enc.meanSquare > PLAIN_MEAN_SQUARE_MAX) {
            enc.delete();
            throw new FedError(
              'CRYPTO_ERR_INVALID_PARAMS',
              `${s.me}'s columns in batch ${batch + 1} are above the mean square of ${PLAIN_MEAN_SQUARE_MAX} the smudging width assumes (no figure: it is a sum of its own values)`,
            );
          }
          encoded[batch] = enc;
        }
        const g = packedGradient(ctx, encoded[batch] as EncodedBatch, d, galois);
        const out = ctx.saveCiphertext(g);
        g.delete();
        terms.add(d, ownPartial as Float64Array, isBank ? { halfMinusY: halfMinusY(batch) } : { labels: labelCts[batch] as Uint8Array });
        return out;
      } finally {
        d.delete();
      }
    });
    own = { epoch, batch, blob, shares: new Map() };
    const request = packPolyBlob(ctx, decryptionRequest(ctx, blob), 0);
    await s.send(
      {
        type: 'train.request',
        jobId: job.jobId,
        epoch,
        batch,
        what: 'gradient',
        width: plan.width,
        signature: sign(s, 'train.request', ['gradient', String(epoch), String(batch), String(plan.width), request]),
      },
      [request],
    );
  };

  /** the owner: every other party's share is in; its gradient, checked against what any honest residual allows, then its step */
  const stepIfReady = async (): Promise<void> => {
    if (!own || own.shares.size < ids.length - 1) return;
    const { epoch, batch, blob, shares } = own;
    const [lo, hi] = range(batch);
    const m = hi - lo;
    const g = await s.timed('train', () => {
      const slots = keys.combine(
        blob,
        ids.filter((id) => id !== s.me).map((id) => shares.get(id) as Uint8Array),
        o.box,
        plan.features,
        'ownGradient',
      );
      return unpackGradient(plan, slots);
    });
    gradientColumns.forEach((col, j) => {
      let sumAbs = 0;
      for (let i = lo; i < hi; i++) sumAbs += Math.abs(col[i] as number);
      const bound = RESIDUAL_BOUND * sumAbs + 10 * dpSigma + 1;
      if (!(Math.abs(g[j] as number) <= bound))
        // no figure in the message: the gradient and its bound are sums of this party's own values, and the error travels
        throw new FedError(
          'CRYPTO_ERR_RESIDUAL_BOUND',
          `${s.me}'s decrypted gradient (epoch ${epoch}, batch ${batch + 1}) is above what any honest residual allows: a party's encrypted part of the residual is out of range; ${s.me} stops before its weights move`,
        );
    });
    for (let j = 0; j < w.length; j++) w[j] = (w[j] as number) - params.learningRate * ((g[j] as number) / m + params.l2 * (w[j] as number));
    if (isBank) intercept -= params.learningRate * ((g[w.length] as number) / m);
    own = undefined;
    if (batch + 1 < batches) return sendPartial(epoch, batch + 1);
    // the epoch's loss terms, rescaled once, for the bank
    const termBlob = await s.timed('train', () => terms.take());
    if (isBank) {
      loss ??= { epoch, terms: new Map(), shares: new Map() };
      loss.terms.set(s.me, termBlob);
      return lossIfReady();
    }
    const blobs = termBlob ? [termBlob] : [];
    await s.send({ type: 'train.loss', jobId: job.jobId, epoch, terms: blobs.length, signature: sign(s, 'train.loss', [String(epoch), ...blobs]) }, blobs);
  };
  /** the bank: every party's loss terms are in; add them, sum every slot, ask the holders for shares of that one number */
  const lossIfReady = async (): Promise<void> => {
    if (!loss || loss.blob || loss.terms.size < ids.length) return;
    const blobs = [...loss.terms.values()].filter((b): b is Uint8Array => b !== null);
    if (!blobs.length) return finishEpoch(loss.epoch, Math.LN2); // every partial was zero: u = 0 for every row
    loss.blob = await s.timed('train', () => epochLossCiphertext(ctx, blobs, galois));
    const request = packPolyBlob(ctx, decryptionRequest(ctx, loss.blob), 0);
    await s.send(
      {
        type: 'train.request',
        jobId: job.jobId,
        epoch: loss.epoch,
        batch: 0,
        what: 'loss',
        width: 1,
        signature: sign(s, 'train.request', ['loss', String(loss.epoch), '0', '1', request]),
      },
      [request],
    );
  };

  const finishEpoch = async (epoch: number, value: number): Promise<void> => {
    loss = undefined;
    const record = { epoch, loss: value, ms: performance.now() - epochStart };
    epochs.push(record);
    s.deps.onEvent({ event: 'epoch', party: s.me, epoch, loss: value, ms: record.ms });
    const stop = stopper.update(value) || epoch >= params.epochs;
    await s.send({ type: 'train.epoch', jobId: job.jobId, epoch, stop, signature: sign(s, 'train.epoch', [String(epoch), stop ? 'stop' : 'go']) });
    if (stop) await s.send({ type: 'result.done', jobId: job.jobId, scored: rows });
    else await sendPartial(epoch + 1, 0);
  };

  const expectParty = (from: string, what: string): void => {
    if (from === s.me || !ids.includes(from)) throw new FedError('PROTO_ERR_UNEXPECTED', `${what} from ${from} is not expected`);
  };
  const guard = createRequestGuard({ epochs: params.epochs, batches, bank });

  return {
    epochs,
    start: async () => {
      s.log.info({ rows, batches, features: o.columns.length, width: plan.width, smudging }, 'threshold training starts');
      if (isBank && holders.length) {
        // 1/2 - y of every batch under the collective key, for the holders' loss terms
        const blobs = await s.timed('train', async () => {
          const out: Uint8Array[] = [];
          for (let b = 0; b < batches; b++) out.push(...(await encryptVector(ctx, o.publicKey, halfMinusY(b))));
          return out;
        });
        await s.send({ type: 'train.labels', jobId: job.jobId, batches, signature: sign(s, 'train.labels', blobs) }, blobs);
      }
      await sendPartial(1, 0);
    },
    onInput: async (from, epoch, batch, blob, signature) => {
      expectParty(from, 'train.input');
      guard.inSchedule(from, 'train.input', epoch, batch);
      checkSigned(s, 'train.partial', from, [String(epoch), String(batch), blob], signature);
      const got = inputs.get(key(epoch, batch)) ?? new Map<string, Uint8Array>();
      if (got.has(from) || epoch < at.epoch || (epoch === at.epoch && batch < at.batch))
        throw new FedError('PROTO_ERR_UNEXPECTED', `a second or stale part of the residual from ${from} (epoch ${epoch}, batch ${batch + 1})`);
      got.set(from, unpackPolyBlob(ctx, blob, SEED_TRAILER, `${from}'s part of the residual`));
      inputs.set(key(epoch, batch), got);
      await gradientIfReady();
    },
    onLabels: (from, blobs, signature) => {
      if (from !== bank || isBank || labelCts.length) throw new FedError('PROTO_ERR_UNEXPECTED', `train.labels from ${from} is not expected`);
      if (blobs.length !== batches) throw new FedError('JOB_ERR_MISMATCH', `${from} sent labels for ${blobs.length} batches; training has ${batches}`);
      checkSigned(s, 'train.labels', from, blobs, signature);
      labelCts.push(...blobs);
    },
    onRequest: async (from, epoch, batch, what, width, request, signature) => {
      expectParty(from, 'train.request');
      // signed first (the width with it), then held to the schedule: a share per slot of it, one width per owner
      checkSigned(s, 'train.request', from, [what, String(epoch), String(batch), String(width), request], signature);
      guard.request(from, what, epoch, batch, width);
      const peer = o.peers.get(from);
      if (!peer) throw new FedError('PROTO_ERR_UNEXPECTED', `no sealing key from ${from}`);
      // label privacy: noise on a holder's gradient, from every party but the holder
      const dpShare = dp && what === 'gradient' && from !== bank ? { sigma: dpSigma / Math.sqrt(ids.length - 1), period: width } : undefined;
      const sealed = await s.timed('share', () =>
        keys.share(unpackPolyBlob(ctx, request, 0, `${from}'s decryption request`), peer, what === 'loss' ? smudging.lossBits : smudging.gradientBits, {
          slot: `${what}/${epoch}/${batch}/${from}`,
          expect: shape,
          dp: dpShare,
        }),
      );
      await s.send(
        {
          type: 'train.share',
          jobId: job.jobId,
          epoch,
          batch,
          what,
          to: from,
          signature: sign(s, 'train.share', [from, what, String(epoch), String(batch), sealed]),
        },
        [sealed],
      );
      await yieldToLoop();
    },
    onShare: async (from, epoch, batch, what, blob, signature) => {
      expectParty(from, 'train.share');
      checkSigned(s, 'train.share', from, [s.me, what, String(epoch), String(batch), blob], signature);
      if (what === 'gradient') {
        if (!own || own.epoch !== epoch || own.batch !== batch || own.shares.has(from))
          throw new FedError('PROTO_ERR_UNEXPECTED', `a decryption share from ${from} for a gradient this party did not ask for`);
        own.shares.set(from, blob);
        return stepIfReady();
      }
      if (!loss?.blob || loss.epoch !== epoch || loss.shares.has(from))
        throw new FedError('PROTO_ERR_UNEXPECTED', `a decryption share of a loss from ${from} that this party did not ask for`);
      loss.shares.set(from, blob);
      if (loss.shares.size < ids.length - 1) return;
      const { blob: lossBlob, shares } = loss;
      const total = await s.timed('train', () => {
        const slots = keys.combine(
          lossBlob,
          holders.map((id) => shares.get(id) as Uint8Array),
          o.box,
          1,
          'loss',
        );
        // every slot holds the sum over all rows: their average keeps the sum and shrinks the smudging
        return slots.reduce((a, b) => a + b, 0) / slots.length;
      });
      await finishEpoch(epoch, Math.LN2 + total / rows);
    },
    onLoss: async (from, epoch, blobs, signature) => {
      if (!isBank || !holders.includes(from)) throw new FedError('PROTO_ERR_UNEXPECTED', `train.loss from ${from} is not expected`);
      checkSigned(s, 'train.loss', from, [String(epoch), ...blobs], signature);
      loss ??= { epoch, terms: new Map(), shares: new Map() };
      if (loss.epoch !== epoch || loss.terms.has(from))
        throw new FedError('PROTO_ERR_UNEXPECTED', `loss terms from ${from} for epoch ${epoch} are not expected`);
      loss.terms.set(from, blobs[0] ?? null);
      await lossIfReady();
    },
    onEpoch: async (epoch, stop, signature) => {
      if (isBank || epoch !== at.epoch) throw new FedError('PROTO_ERR_UNEXPECTED', `train.epoch ${epoch} is not expected`);
      checkSigned(s, 'train.epoch', bank, [String(epoch), stop ? 'stop' : 'go'], signature);
      if (!stop) await sendPartial(epoch + 1, 0);
    },
    model: () => withWeights(s.deps.model, o.features, w, isBank ? intercept : 0),
    dispose: () => {
      for (const e of encoded) e?.delete();
      terms.delete();
      galois.delete();
    },
  };
}
