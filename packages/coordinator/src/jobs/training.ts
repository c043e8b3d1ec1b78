/**
 * The joint training job as the coordinator runs it. The recipient bank holds
 * the labels; who holds keys is the job's design.
 *
 *   join -> align (psi: the training rows, steps/psi-relay) -> keys -> query (query alignment) -> train
 *   keys: single holder: the bank's public and rotation keys; threshold: every party's committed, signed
 *         public-key and rotation-key shares, which each party adds itself (steps/key-relay)
 *   train, single holder, for each epoch and batch:
 *            holders -> train.partial; coordinator adds them -> train.sum -> bank
 *            bank -> train.residual -> holders
 *            each holder -> train.gradient (masked) -> bank; bank -> train.unmask -> that holder
 *          bank -> train.epoch (loss, stop) -> holders
 *   train, threshold (steps/training-relay): bank -> train.labels once; for each epoch and batch:
 *            each party -> train.partial -> every other party (train.input)
 *            each party -> train.request (c1 of its packed gradient) -> every other party
 *            each other party -> train.share (sealed to the owner) -> the owner alone
 *          holders -> train.loss -> bank; bank -> train.request (loss) -> holders -> train.share -> bank
 *          bank -> train.epoch (stop only) -> holders
 *   bank -> result.done
 */
import { sumCiphertexts } from '@fedrisk/shared';
import { combineHandlers, type Job, type JobDeps, type NodeHandlers, othersThan, partyIds, recipientDone, sendJobStart } from '../job.ts';
import { keyRelay } from '../steps/key-relay.ts';
import { psiRelay } from '../steps/psi-relay.ts';
import { queryRelay } from '../steps/query-relay.ts';
import { thresholdTrainingRelay } from '../steps/training-relay.ts';

export function createTrainingJob(deps: JobDeps): Job {
  const { config, logger, phases } = deps;
  const bank = config.recipient;
  const ids = partyIds(config);
  const holders = othersThan(config, bank);
  const psi = config.alignment !== 'query';
  const threshold = config.keys === 'threshold';
  /** per batch ("epoch:batch"), the holders' encrypted partials received so far */
  const partials = new Map<string, Map<string, Uint8Array>>();

  const align = psiRelay(deps, (slots) => {
    phases.enter('keys');
    for (const id of ids) deps.send(id, { type: 'align.done', jobId: config.jobId, slots });
  });
  // aligned by PSI: the holders already know their rows, so training starts with the keys
  const keys = keyRelay(deps, { holder: bank, rotations: true, commit: threshold && config.defences }, () => phases.enter(psi ? 'train' : 'query'));
  const fromBank = (party: string, type: string) => {
    phases.expect(party, type, 'train');
    if (party !== bank) throw phases.unexpected(party, type);
  };
  const fromHolder = (party: string, type: string) => {
    phases.expect(party, type, 'train');
    if (party === bank) throw phases.unexpected(party, type);
  };

  const singleHolder: NodeHandlers = {
    'train.partial': async (party, msg, blobs) => {
      fromHolder(party, msg.type);
      const key = `${msg.epoch}:${msg.batch}`;
      const got = partials.get(key) ?? new Map<string, Uint8Array>();
      if (got.has(party)) throw phases.unexpected(party, msg.type);
      got.set(party, blobs[0] as Uint8Array);
      partials.set(key, got);
      if (got.size < holders.length) return;
      partials.delete(key);
      const [sum] = await sumCiphertexts(
        deps.ckks(),
        holders.map((h) => [got.get(h) as Uint8Array]),
        { signal: deps.signal, names: holders },
      );
      deps.send(bank, { type: 'train.sum', jobId: config.jobId, epoch: msg.epoch, batch: msg.batch }, [sum as Uint8Array]);
    },
    'train.residual': (party, msg, blobs) => {
      fromBank(party, msg.type);
      for (const id of holders) deps.send(id, { type: 'train.residual', jobId: config.jobId, from: party, epoch: msg.epoch, batch: msg.batch }, blobs);
    },
    'train.gradient': (party, msg, blobs) => {
      fromHolder(party, msg.type);
      deps.send(bank, { type: 'train.gradient', jobId: config.jobId, from: party, epoch: msg.epoch, batch: msg.batch, features: msg.features }, blobs);
    },
    'train.unmask': (party, msg) => {
      fromBank(party, msg.type);
      if (!holders.includes(msg.to)) throw phases.unexpected(party, msg.type);
      deps.send(msg.to, { type: 'train.unmask', jobId: config.jobId, from: party, epoch: msg.epoch, batch: msg.batch, values: msg.values });
    },
  };

  // query alignment: the bank (the recipient) names the training rows to every holder
  const query = queryRelay(deps, () => phases.enter('train'));
  const handlers = combineHandlers(align.handlers, keys.handlers, query.handlers, threshold ? thresholdTrainingRelay(deps).handlers : singleHolder, {
    'train.epoch': (party, msg) => {
      fromBank(party, msg.type);
      // threshold: the loss stays with the bank; only the decision to stop goes on
      if (threshold && msg.loss !== undefined) throw phases.unexpected(party, msg.type);
      logger.info({ epoch: msg.epoch, stop: msg.stop }, 'epoch done');
      for (const id of holders)
        deps.send(id, {
          type: 'train.epoch',
          jobId: config.jobId,
          epoch: msg.epoch,
          ...(msg.loss !== undefined ? { loss: msg.loss } : {}),
          stop: msg.stop,
          ...(msg.signature ? { signature: msg.signature } : {}),
        });
    },
    'result.done': recipientDone(deps, ['train']),
  });

  return {
    kind: 'training',
    handlers,
    begin: () => {
      phases.enter(psi ? 'align' : 'keys');
      sendJobStart(deps, {
        keys: config.keys,
        kind: 'training',
        alignment: psi ? 'psi' : 'query',
        ...(config.training ? { training: config.training } : {}),
        ...(threshold ? {} : { keyHolder: bank }),
      });
    },
    waitingFor: () =>
      phases.current === 'align' ? align.waitingFor() : phases.current === 'keys' ? keys.waitingFor() : phases.current === 'query' ? query.waitingFor() : ids,
  };
}
