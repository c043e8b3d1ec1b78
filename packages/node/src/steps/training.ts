/**
 * Joint training, one party's side: the label holder (the bank, which in this
 * design also holds the key and its rotation keys) names the training rows
 * and runs the trainer as label holder; a holder starts its trainer once it
 * has the public key, the rotation keys and its rows. steps/trainer.ts has
 * the per-batch protocol.
 */
import { FedError, modelColumnsFor, readLabelsCsv, trainingParamsSchema } from '@fedrisk/shared';
import type { Handlers } from '../handlers.ts';
import type { Session } from '../session.ts';
import { sendQuery } from './query.ts';
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
    onEvent: s.deps.onEvent,
    logger: s.log,
    ...extra,
  });
}

/** The label holder: its training rows (under query alignment, sent to every holder) and its labels; then it trains. */
export async function beginLabelHolder(s: Session): Promise<void> {
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
  const trainer = makeTrainer(s, { labels: y, keys: s.keys?.single });
  s.training = { trainer };
  await trainer.start();
}

/** A holder: it trains once it has the key, the rotation keys and its rows. */
export async function beginHolderIfReady(s: Session): Promise<void> {
  const galois = s.keys?.galois;
  if (s.steps.has('trainer') || !s.publicKey || !galois || !s.slotIds) return;
  s.steps.begin('trainer');
  const trainer = makeTrainer(s, { publicKey: s.publicKey, galoisKeys: galois });
  s.training = { trainer };
  await trainer.start();
}

const trainer = (s: Session): Trainer => {
  if (!s.training) throw new FedError('PROTO_ERR_UNEXPECTED', 'a training message arrived before training started');
  return s.training.trainer;
};

export const trainingHandlers: Handlers = {
  'train.sum': (s, msg, blobs) => trainer(s).onSum(msg.epoch, msg.batch, blobs[0] as Uint8Array),
  'train.residual': (s, msg, blobs) => trainer(s).onResidual(msg.epoch, msg.batch, blobs[0] as Uint8Array),
  'train.gradient': (s, msg, blobs) => trainer(s).onGradient(msg.from, msg.epoch, msg.batch, blobs),
  'train.unmask': (s, msg) => trainer(s).onUnmask(msg.epoch, msg.batch, msg.values),
  'train.epoch': (s, msg) => {
    s.log.info({ epoch: msg.epoch, stop: msg.stop }, 'epoch done');
    return trainer(s).onEpoch(msg.epoch, msg.stop);
  },
};
