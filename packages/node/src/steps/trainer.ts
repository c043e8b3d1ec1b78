/**
 * One party's side of joint training (vertical logistic regression with the
 * Taylor residual). The bank holds the labels and the key: it forms the
 * encrypted residual from the holders' summed partials, and decrypts masked
 * gradients for them. Each holder keeps its features and weights: it sends
 * only encrypted partial logits and masked, encrypted gradients.
 */
import { randomBytes } from 'node:crypto';
import {
  addPlainValues,
  type CkksContext,
  type EncodedFeature,
  type EpochRecord,
  type EventSink,
  earlyStopper,
  encryptedInnerProducts,
  encryptVector,
  FedError,
  type KeyPair,
  type Logger,
  logLoss,
  type NodeMessage,
  type Outgoing,
  type PartyModel,
  type TrainingParams,
  withWeights,
} from '@fedrisk/shared';
import { createEpochGuard } from './training-schedule.ts';

export interface TrainerOptions {
  me: string;
  holders: readonly string[];
  isBank: boolean;
  jobId: string;
  ckks: CkksContext;
  params: TrainingParams;
  model: PartyModel;
  /** this party's features for the training rows, in the bank's order (0 where it has no record) */
  features: EncodedFeature[];
  columns: Float64Array[];
  rows: number;
  /** bank only */
  labels?: Float64Array;
  keys?: KeyPair;
  /** holders only */
  publicKey?: Uint8Array;
  galoisKeys?: Uint8Array;
  send(msg: Outgoing<NodeMessage>, blobs?: readonly Uint8Array[]): Promise<void>;
  /** bank: its signature on the end of an epoch (epoch, loss, stop) */
  signEpoch(fields: readonly string[]): string;
  /** holder: throws unless the bank signed exactly these fields (defences on) */
  checkEpoch(fields: readonly string[], signature: string | undefined): void;
  onEvent: EventSink;
  logger: Logger;
}

/** What the bank signs when it ends an epoch: a coordinator cannot stop, prolong or change the loss the holders see. */
const epochFields = (epoch: number, loss: number | undefined, stop: boolean) => [String(epoch), String(loss), stop ? 'stop' : 'go'];

export interface Trainer {
  start(): Promise<void>;
  onSum(epoch: number, batch: number, blob: Uint8Array): Promise<void>;
  onResidual(epoch: number, batch: number, blob: Uint8Array): Promise<void>;
  onGradient(from: string, epoch: number, batch: number, blobs: Uint8Array[]): Promise<void>;
  onUnmask(epoch: number, batch: number, values: number[]): Promise<void>;
  onEpoch(epoch: number, stop: boolean, loss: number | undefined, signature: string | undefined): Promise<void>;
  model(): PartyModel;
  readonly epochs: EpochRecord[];
}

/** a mask far above any gradient sum (|x d| <= ~10 per row, 4096 rows), small enough for float64 to keep ~1e-7 */
const MASK_RANGE = 2 ** 30;

function randomMask(): number {
  return (randomBytes(6).readUIntBE(0, 6) / 2 ** 48) * 2 * MASK_RANGE - MASK_RANGE;
}

export function createTrainer(o: TrainerOptions): Trainer {
  const batchSize = Math.min(o.params.batchSize, o.ckks.slots);
  const batches = Math.ceil(o.rows / batchSize);
  const w = new Array<number>(o.columns.length).fill(0);
  let intercept = 0;
  const masks = new Map<string, number[]>();
  const pending = new Map<string, number>();
  const jointLogits = new Float64Array(o.rows);
  const epochs: EpochRecord[] = [];
  const stopper = earlyStopper(o.params);
  let epochStart = performance.now();
  const epochEnds = createEpochGuard({ epochs: o.params.epochs, batches });
  const range = (batch: number) => [batch * batchSize, Math.min(o.rows, (batch + 1) * batchSize)] as const;
  const slice = (col: Float64Array, batch: number) => {
    const [a, b] = range(batch);
    return col.subarray(a, b);
  };
  const own = (batch: number): Float64Array => {
    const [a, b] = range(batch);
    const u = new Float64Array(b - a).fill(o.isBank ? intercept : 0);
    o.columns.forEach((col, j) => {
      for (let i = a; i < b; i++) u[i - a] = (u[i - a] as number) + (w[j] as number) * (col[i] as number);
    });
    return u;
  };
  const update = (grads: ArrayLike<number>, m: number): void => {
    for (let j = 0; j < w.length; j++) w[j] = (w[j] as number) - o.params.learningRate * ((grads[j] as number) / m + o.params.l2 * (w[j] as number));
  };
  const sendPartial = async (epoch: number, batch: number): Promise<void> => {
    if (batch === 0) epochStart = performance.now();
    const u = own(batch).map((x) => 0.25 * x);
    const [blob] = await encryptVector(o.ckks, o.publicKey as Uint8Array, u);
    await o.send({ type: 'train.partial', jobId: o.jobId, epoch, batch }, [blob as Uint8Array]);
  };

  return {
    epochs,
    start: async () => {
      o.logger.info({ rows: o.rows, batches, features: o.columns.length }, 'training starts');
      if (!o.isBank) await sendPartial(1, 0);
    },
    // bank: the holders' summed partials arrive; form the encrypted residual and take its own step
    onSum: async (epoch, batch, blob) => {
      const [a, b] = range(batch);
      if (batch === 0) epochStart = performance.now();
      const y = o.labels as Float64Array;
      const u = own(batch);
      const plain = Float64Array.from(u, (ui, k) => 0.25 * ui + 0.5 - (y[a + k] as number));
      const residual = addPlainValues(o.ckks, blob, plain);
      await o.send({ type: 'train.residual', jobId: o.jobId, epoch, batch }, [residual]);
      pending.set(`${epoch}:${batch}`, o.holders.length);
      // the bank holds the key, so it can read the residual: with it, the joint logit of each training row
      const d = await (o.keys as KeyPair).decrypt([residual], b - a, { what: 'residual' });
      const grads = o.columns.map((col) => {
        let g = 0;
        for (let k = 0; k < b - a; k++) g += (col[a + k] as number) * (d[k] as number);
        return g;
      });
      let gb = 0;
      for (let k = 0; k < b - a; k++) {
        gb += d[k] as number;
        jointLogits[a + k] = 4 * ((d[k] as number) - 0.5 + (y[a + k] as number));
      }
      update(grads, b - a);
      intercept -= o.params.learningRate * (gb / (b - a));
    },
    // holder: gradient of its own columns under encryption, masked before it leaves
    onResidual: async (epoch, batch, blob) => {
      const m = o.columns.map(() => randomMask());
      masks.set(`${epoch}:${batch}`, m);
      const cts = await encryptedInnerProducts(
        o.ckks,
        blob,
        o.columns.map((c) => slice(c, batch)),
        o.galoisKeys as Uint8Array,
        m,
      );
      await o.send({ type: 'train.gradient', jobId: o.jobId, epoch, batch, features: cts.length }, cts);
    },
    // bank: decrypt a holder's masked gradient (it learns nothing of it) and send it back
    onGradient: async (from, epoch, batch, blobs) => {
      const values: number[] = [];
      for (const ct of blobs) values.push((await (o.keys as KeyPair).decrypt([ct], 1, { what: 'maskedGradient' }))[0] as number);
      await o.send({ type: 'train.unmask', jobId: o.jobId, to: from, epoch, batch, values });
      const key = `${epoch}:${batch}`;
      const left = (pending.get(key) ?? 1) - 1;
      pending.set(key, left);
      if (left > 0 || batch < batches - 1) return;
      const loss = logLoss(jointLogits, o.labels as Float64Array);
      const record = { epoch, loss, ms: performance.now() - epochStart };
      epochs.push(record);
      o.onEvent({ event: 'epoch', party: o.me, epoch, loss, ms: record.ms });
      const stop = stopper.update(loss) || epoch >= o.params.epochs;
      await o.send({ type: 'train.epoch', jobId: o.jobId, epoch, loss, stop, signature: o.signEpoch(epochFields(epoch, loss, stop)) });
      if (stop) await o.send({ type: 'result.done', jobId: o.jobId, scored: o.rows });
    },
    // holder: remove its mask, take its step, go on with the next batch
    onUnmask: async (epoch, batch, values) => {
      epochEnds.finished(epoch, batch);
      const m = masks.get(`${epoch}:${batch}`) ?? [];
      masks.delete(`${epoch}:${batch}`);
      const [a, b] = range(batch);
      update(
        values.map((v, j) => v - (m[j] as number)),
        b - a,
      );
      if (batch + 1 < batches) await sendPartial(epoch, batch + 1);
    },
    // holder: only the end of the epoch it has just finished, signed by the bank, and no epoch beyond those agreed
    onEpoch: async (epoch, stop, loss, signature) => {
      o.checkEpoch(epochFields(epoch, loss, stop), signature);
      if (o.isBank) throw new FedError('PROTO_ERR_UNEXPECTED', 'train.epoch goes to the holders');
      epochEnds.accept(epoch, stop);
      if (!stop) await sendPartial(epoch + 1, 0);
    },
    model: () => withWeights(o.model, o.features, w, o.isBank ? intercept : 0),
  };
}
