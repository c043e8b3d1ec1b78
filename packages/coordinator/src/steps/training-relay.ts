/**
 * Threshold training as the coordinator sees it (phase "train"): it relays
 * and holds nothing that decrypts. Each party's signed part of the residual
 * goes to every other party, which adds them itself; decryption requests
 * (c1 only) go to every other party; shares go to the request's owner alone,
 * sealed so the coordinator cannot read them; holders' loss terms go to the
 * label holder. Each party's part is relayed once per batch.
 */
import { FedError } from '@fedrisk/shared';
import { type JobDeps, othersThan, partyIds, type Step } from '../job.ts';

export function thresholdTrainingRelay(deps: JobDeps): Step {
  const { config, phases } = deps;
  const bank = config.recipient;
  const ids = partyIds(config);
  const seen = new Set<string>();
  const once = (party: string, type: string, key: string): void => {
    phases.expect(party, type, 'train');
    const k = `${type}\u0000${party}\u0000${key}`;
    if (seen.has(k)) throw new FedError('PROTO_ERR_UNEXPECTED', `${party} sent ${type} for ${key} twice`);
    seen.add(k);
  };
  const job = config.jobId;
  return {
    handlers: {
      'train.partial': (party, msg, blobs) => {
        once(party, msg.type, `${msg.epoch}/${msg.batch}`);
        if (!msg.signature) throw new FedError('PROTO_ERR_INVALID', `${party} sent an unsigned part of the residual`);
        for (const id of othersThan(config, party))
          deps.send(id, { type: 'train.input', jobId: job, from: party, epoch: msg.epoch, batch: msg.batch, signature: msg.signature }, blobs);
      },
      'train.labels': (party, msg, blobs) => {
        once(party, msg.type, 'labels');
        if (party !== bank) throw phases.unexpected(party, msg.type);
        for (const id of othersThan(config, party))
          deps.send(id, { type: 'train.labels', jobId: job, from: party, batches: msg.batches, signature: msg.signature }, blobs);
      },
      'train.request': (party, msg, blobs) => {
        once(party, msg.type, `${msg.what}/${msg.epoch}/${msg.batch}`);
        if (msg.what === 'loss' && party !== bank) throw phases.unexpected(party, msg.type);
        for (const id of othersThan(config, party))
          deps.send(
            id,
            { type: 'train.request', jobId: job, from: party, epoch: msg.epoch, batch: msg.batch, what: msg.what, width: msg.width, signature: msg.signature },
            blobs,
          );
      },
      'train.share': (party, msg, blobs) => {
        once(party, msg.type, `${msg.what}/${msg.epoch}/${msg.batch}/${msg.to}`);
        if (msg.to === party || !ids.includes(msg.to)) throw phases.unexpected(party, msg.type);
        deps.custody.hold('relayedSealedShares');
        deps.send(
          msg.to,
          { type: 'train.share', jobId: job, from: party, epoch: msg.epoch, batch: msg.batch, what: msg.what, signature: msg.signature },
          blobs,
        );
      },
      'train.loss': (party, msg, blobs) => {
        once(party, msg.type, `${msg.epoch}`);
        if (party === bank) throw phases.unexpected(party, msg.type);
        deps.send(bank, { type: 'train.loss', jobId: job, from: party, epoch: msg.epoch, terms: msg.terms, signature: msg.signature }, blobs);
      },
    },
    waitingFor: () => ids,
  };
}
