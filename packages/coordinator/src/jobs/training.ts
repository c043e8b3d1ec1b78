/**
 * The joint training job as the coordinator runs it (design: the recipient
 * bank holds the key and the labels). The coordinator relays, and adds the
 * holders' encrypted partial logits so the bank sees only their sum.
 *
 *   join -> align (psi: the training rows, steps/psi-relay) -> keys (bank's public and rotation keys)
 *        -> query (query alignment: the training rows to every holder) -> train
 *   train: for each epoch and batch:
 *            holders -> train.partial; coordinator adds them -> train.sum -> bank
 *            bank -> train.residual -> holders
 *            each holder -> train.gradient (masked) -> bank; bank -> train.unmask -> that holder
 *          bank -> train.epoch (loss, stop) -> holders
 *   bank -> result.done
 */
import { sumCiphertexts } from '@fedrisk/shared';
import { combineHandlers, type Job, type JobDeps, othersThan, partyIds } from '../job.ts';
import { keyRelay } from '../steps/key-relay.ts';
import { psiRelay } from '../steps/psi-relay.ts';

export function createTrainingJob(deps: JobDeps): Job {
  const { config, logger, phases } = deps;
  const bank = config.recipient;
  const ids = partyIds(config);
  const holders = othersThan(config, bank);
  const psi = config.alignment !== 'query';
  /** per batch ("epoch:batch"), the holders' encrypted partials received so far */
  const partials = new Map<string, Map<string, Uint8Array>>();

  const align = psiRelay(deps, (slots) => {
    phases.enter('keys');
    for (const id of ids) deps.send(id, { type: 'align.done', jobId: config.jobId, slots });
  });
  // aligned by PSI: the holders already know their rows, so training starts with the keys
  const keys = keyRelay(deps, { holder: bank, rotations: true, commit: false }, () => phases.enter(psi ? 'train' : 'query'));
  const fromBank = (party: string, type: string) => {
    phases.expect(party, type, 'train');
    if (party !== bank) throw phases.unexpected(party, type);
  };
  const fromHolder = (party: string, type: string) => {
    phases.expect(party, type, 'train');
    if (party === bank) throw phases.unexpected(party, type);
  };

  const handlers = combineHandlers(align.handlers, keys.handlers, {
    'query.ids': (party, msg) => {
      phases.expect(party, msg.type, 'query');
      if (party !== bank) throw phases.unexpected(party, msg.type);
      phases.enter('train');
      for (const id of holders) deps.send(id, { type: 'query.ids', jobId: config.jobId, from: party, ids: msg.ids });
    },
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
    'train.epoch': (party, msg) => {
      fromBank(party, msg.type);
      logger.info({ epoch: msg.epoch, stop: msg.stop }, 'epoch done');
      for (const id of holders) deps.send(id, { type: 'train.epoch', jobId: config.jobId, epoch: msg.epoch, loss: msg.loss, stop: msg.stop });
    },
    'result.done': (party, msg) => {
      fromBank(party, msg.type);
      phases.close();
      deps.finish();
    },
  });

  return {
    kind: 'training',
    handlers,
    begin: () => {
      phases.enter(psi ? 'align' : 'keys');
      const parties = config.parties.map(({ id, role }) => ({ id, role }));
      for (const id of ids)
        deps.send(id, {
          type: 'job.start',
          jobId: config.jobId,
          keys: 'single-holder',
          alignment: psi ? 'psi' : 'query',
          psiHash: config.psiHash,
          kind: 'training',
          ...(config.training ? { training: config.training } : {}),
          keyHolder: bank,
          recipient: bank,
          parties,
          ckks: config.ckks,
        });
    },
    waitingFor: () =>
      phases.current === 'align' ? align.waitingFor() : phases.current === 'keys' ? keys.waitingFor() : phases.current === 'query' ? [bank] : ids,
  };
}
