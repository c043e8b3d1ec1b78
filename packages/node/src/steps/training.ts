/**
 * Joint training, one party's side: the label holder (the bank) names the
 * training rows and reads its labels; every party starts its trainer once it
 * has the keys and its rows. Single holder (the bank also holds the key and
 * its rotation keys): steps/trainer.ts. Threshold (collective keys, nobody
 * decrypts alone): steps/threshold-trainer.ts.
 */
import { FedError, modelColumnsFor, readLabelsCsv, trainingParamsSchema } from '@fedrisk/shared';
import type { Handlers } from '../handlers.ts';
import type { Session } from '../session.ts';
import { checkSigned, sign } from '../signing.ts';
import type { ThresholdTrainer } from '../state.ts';
import { sendQuery } from './query.ts';
import { createThresholdTrainer } from './threshold-trainer.ts';
import { createTrainer, type Trainer, type TrainerOptions } from './trainer.ts';

function makeTrainer(s: Session, extra: Partial<TrainerOptions>): Trainer {
  const job = s.started;
  const ids = s.slotIds as string[];
  const { features, columns } = modelColumnsFor(s.deps.table, s.deps.model, ids);
  return createTrainer({
    me: s.me,
    holders: s.jobParties.filter((p) => p.id !== job.recipient).map((p) => p.id),
    isBank: s.isRecipient,
    jobId: job.jobId,
    ckks: s.ctx,
    params: job.training ?? trainingParamsSchema.parse({}),
    model: s.deps.model,
    features,
    columns,
    rows: ids.length,
    send: (msg, blobs) => s.send(msg, blobs),
    signEpoch: (fields) => sign(s, 'train.epoch', fields),
    checkEpoch: (fields, signature) => checkSigned(s, 'train.epoch', job.recipient, fields, signature),
    onEvent: s.deps.onEvent,
    logger: s.log,
    ...extra,
  });
}

/** Threshold: a trainer over this party's key share and the collective keys every party formed. */
async function startThreshold(s: Session, labels?: Float64Array): Promise<void> {
  const k = s.keys;
  if (!k?.threshold || !k.box || !k.galois || !s.publicKey) throw new FedError('JOB_ERR_INTERNAL', 'threshold training started before the collective keys');
  const job = s.started;
  const ids = s.slotIds as string[];
  const { features, columns } = modelColumnsFor(s.deps.table, s.deps.model, ids);
  const trainer = createThresholdTrainer(s, {
    party: k.threshold,
    box: k.box,
    peers: new Map([...k.shares].map(([id, sh]) => [id, sh.x25519])),
    publicKey: s.publicKey,
    galois: k.galois,
    params: job.training ?? trainingParamsSchema.parse({}),
    features,
    columns,
    rows: ids.length,
    labels,
  });
  s.training = { threshold: trainer };
  await trainer.start();
}

const thresholdKeysReady = (s: Session): boolean => s.started.keys !== 'threshold' || (!!s.publicKey && !!s.keys?.galois);

/** The label holder: its training rows (under query alignment, sent to every holder) and its labels; then it trains. */
export async function beginLabelHolder(s: Session): Promise<void> {
  // threshold: the query (if any) and training wait for the collective keys
  if (s.steps.has('trainer') || !thresholdKeysReady(s)) return;
  s.steps.begin('trainer');
  const applicants = s.deps.applicants;
  const labelsFile = s.config.labels;
  if (!applicants || !labelsFile) throw new FedError('DATA_ERR_APPLICANTS', `${s.me} trains the model but was given no training rows or labels`);
  if (s.started.alignment === 'query') await sendQuery(s);
  s.slotIds = applicants;
  const labels = await readLabelsCsv(labelsFile);
  const y = Float64Array.from(applicants, (id) => {
    const v = labels.get(id);
    if (v === undefined) throw new FedError('DATA_ERR_APPLICANTS', `${labelsFile} has no label for training row ${id}`);
    return v;
  });
  if (s.started.keys === 'threshold') return startThreshold(s, y);
  const trainer = makeTrainer(s, { labels: y, keys: s.keys?.single });
  s.training = { trainer };
  await trainer.start();
}

/** A holder: it trains once it has the key, the rotation keys and its rows. */
export async function beginHolderIfReady(s: Session): Promise<void> {
  const galois = s.keys?.galois;
  if (s.steps.has('trainer') || !s.publicKey || !galois || !s.slotIds) return;
  s.steps.begin('trainer');
  if (s.started.keys === 'threshold') return startThreshold(s);
  const trainer = makeTrainer(s, { publicKey: s.publicKey, galoisKeys: galois });
  s.training = { trainer };
  await trainer.start();
}

const trainer = (s: Session): Trainer => {
  const t = s.training?.trainer;
  if (!t) throw new FedError('PROTO_ERR_UNEXPECTED', 'a single-holder training message arrived outside single-holder training');
  return t;
};

const threshold = (s: Session): ThresholdTrainer => {
  const t = s.training?.threshold;
  if (!t) throw new FedError('PROTO_ERR_UNEXPECTED', 'a threshold training message arrived before threshold training started');
  return t;
};

export const trainingHandlers: Handlers = {
  'train.sum': (s, msg, blobs) => trainer(s).onSum(msg.epoch, msg.batch, blobs[0] as Uint8Array),
  'train.residual': (s, msg, blobs) => trainer(s).onResidual(msg.epoch, msg.batch, blobs[0] as Uint8Array),
  'train.gradient': (s, msg, blobs) => trainer(s).onGradient(msg.from, msg.epoch, msg.batch, blobs),
  'train.unmask': (s, msg) => trainer(s).onUnmask(msg.epoch, msg.batch, msg.values),
  'train.epoch': (s, msg) => {
    s.log.info({ epoch: msg.epoch, stop: msg.stop }, 'epoch done');
    return s.training?.threshold ? threshold(s).onEpoch(msg.epoch, msg.stop, msg.signature) : trainer(s).onEpoch(msg.epoch, msg.stop, msg.loss, msg.signature);
  },
  'train.input': (s, msg, blobs) => threshold(s).onInput(msg.from, msg.epoch, msg.batch, blobs[0] as Uint8Array, msg.signature),
  'train.labels': (s, msg, blobs) => threshold(s).onLabels(msg.from, blobs, msg.signature),
  'train.request': (s, msg, blobs) => threshold(s).onRequest(msg.from, msg.epoch, msg.batch, msg.what, msg.width, blobs[0] as Uint8Array, msg.signature),
  'train.share': (s, msg, blobs) => threshold(s).onShare(msg.from, msg.epoch, msg.batch, msg.what, blobs[0] as Uint8Array, msg.signature),
  'train.loss': (s, msg, blobs) => threshold(s).onLoss(msg.from, msg.epoch, blobs, msg.signature),
};
