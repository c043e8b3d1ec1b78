/**
 * The joint training job as the coordinator runs it (design: the recipient
 * bank holds the key and the labels). The coordinator relays, and adds the
 * holders' encrypted partial logits so the bank sees only their sum.
 *
 *   align: (psi) private set intersection of the training rows, as in scoring
 *   keys:  bank -> keys.public, keys.galois -> holders
 *   query: (query alignment) bank -> query.ids (training rows) -> holders
 *   train: for each epoch and batch:
 *            holders -> train.partial; coordinator adds them -> train.sum -> bank
 *            bank -> train.residual -> holders
 *            each holder -> train.gradient (masked) -> bank; bank -> train.unmask -> that holder
 *          bank -> train.epoch (loss, stop) -> holders
 *   bank -> result.done
 */
import { type CoordinatorMessage, FedError, type Frame, type NodeMessage, sumCiphertexts } from '@fedrisk/shared';
import { relayPsi } from './psi-relay.ts';
import type { JobDeps, PhaseName, ScoringJob } from './scoring-job.ts';

export function createTrainingJob(deps: JobDeps): ScoringJob {
  const { config, logger, clock } = deps;
  const bank = config.recipient;
  const partyIds = config.parties.map((p) => p.id);
  const holders = partyIds.filter((id) => id !== bank);
  const phases: { name: PhaseName | 'train'; ms: number }[] = [];
  let phase: PhaseName | 'train' = 'join';
  let phaseStart = clock();
  const psi = config.alignment === 'psi';
  let galoisSent = false;
  let publicSent = false;
  const partials = new Map<string, Map<string, Uint8Array>>();

  const enter = (next: PhaseName | 'train'): void => {
    const now = clock();
    phases.push({ name: phase, ms: now - phaseStart });
    deps.onEvent({ event: 'phase', name: phase, ms: now - phaseStart });
    phase = next;
    phaseStart = now;
  };
  const unexpected = (party: string, type: string): FedError =>
    new FedError('PROTO_ERR_UNEXPECTED', `${type} from ${party} is not expected in phase "${phase}"`, { details: { phase, type } });
  const relay = (to: readonly string[], msg: Parameters<JobDeps['send']>[1], blobs?: readonly Uint8Array[]) =>
    Promise.all(to.map((id) => deps.send(id, msg, blobs)));

  return {
    get phase() {
      return phase as PhaseName;
    },
    phases: phases as { name: PhaseName; ms: number }[],
    begin: async () => {
      enter(psi ? 'align' : 'keys');
      const parties = config.parties.map(({ id, role }) => ({ id, role }));
      await relay(partyIds, {
        type: 'job.start',
        jobId: config.jobId,
        keys: 'single-holder',
        alignment: psi ? 'psi' : 'query',
        kind: 'training',
        ...(config.training ? { training: config.training } : {}),
        keyHolder: bank,
        recipient: bank,
        parties,
        ckks: config.ckks,
      });
    },
    handle: async (party: string, frame: Frame<NodeMessage>) => {
      const { msg, blobs } = frame;
      if ('jobId' in msg && msg.jobId !== undefined && msg.jobId !== config.jobId) {
        throw new FedError('PROTO_ERR_UNEXPECTED', `job id ${msg.jobId} is not the running job ${config.jobId}`);
      }
      const fromBank = party === bank;
      switch (msg.type) {
        case 'psi.blinded':
        case 'psi.assign':
        case 'psi.reply':
        case 'psi.done': {
          if (!psi || phase !== 'align') throw unexpected(party, msg.type);
          const aligned = await relayPsi(deps, party, frame);
          if (!aligned) return;
          enter('keys');
          await relay(partyIds, { type: 'align.done', jobId: config.jobId, count: aligned.done });
          return;
        }
        case 'keys.public':
        case 'keys.galois': {
          if (phase !== 'keys' || !fromBank) throw unexpected(party, msg.type);
          if (msg.type === 'keys.public') publicSent = true;
          else galoisSent = true;
          await relay(holders, { type: msg.type, jobId: config.jobId, from: party }, blobs);
          // aligned by PSI: the holders already know their slots, so training starts now
          if (publicSent && galoisSent) enter(psi ? 'train' : 'query');
          return;
        }
        case 'query.ids': {
          if (phase !== 'query' || !fromBank) throw unexpected(party, msg.type);
          enter('train');
          await relay(holders, { type: 'query.ids', jobId: config.jobId, from: party, ids: msg.ids });
          return;
        }
        case 'train.partial': {
          if (phase !== 'train' || fromBank) throw unexpected(party, msg.type);
          const key = `${msg.epoch}:${msg.batch}`;
          const got = partials.get(key) ?? new Map<string, Uint8Array>();
          if (got.has(party)) throw unexpected(party, msg.type);
          got.set(party, blobs[0] as Uint8Array);
          partials.set(key, got);
          if (got.size < holders.length) return;
          partials.delete(key);
          const [sum] = await sumCiphertexts(
            deps.ckks(),
            holders.map((h) => [got.get(h) as Uint8Array]),
            { signal: deps.signal },
          );
          await deps.send(bank, { type: 'train.sum', jobId: config.jobId, epoch: msg.epoch, batch: msg.batch }, [sum as Uint8Array]);
          return;
        }
        case 'train.residual':
          if (phase !== 'train' || !fromBank) throw unexpected(party, msg.type);
          await relay(holders, { type: 'train.residual', jobId: config.jobId, from: party, epoch: msg.epoch, batch: msg.batch }, blobs);
          return;
        case 'train.gradient':
          if (phase !== 'train' || fromBank) throw unexpected(party, msg.type);
          await deps.send(
            bank,
            { type: 'train.gradient', jobId: config.jobId, from: party, epoch: msg.epoch, batch: msg.batch, features: msg.features },
            blobs,
          );
          return;
        case 'train.unmask':
          if (phase !== 'train' || !fromBank || !holders.includes(msg.to)) throw unexpected(party, msg.type);
          await deps.send(msg.to, { type: 'train.unmask', jobId: config.jobId, from: party, epoch: msg.epoch, batch: msg.batch, values: msg.values });
          return;
        case 'train.epoch':
          if (phase !== 'train' || !fromBank) throw unexpected(party, msg.type);
          logger.info({ epoch: msg.epoch, loss: msg.loss, stop: msg.stop }, 'epoch done');
          await relay(holders, { type: 'train.epoch', jobId: config.jobId, epoch: msg.epoch, loss: msg.loss, stop: msg.stop } as Parameters<
            JobDeps['send']
          >[1]);
          return;
        case 'result.done': {
          if (phase !== 'train' || !fromBank) throw unexpected(party, msg.type);
          const now = clock();
          phases.push({ name: phase, ms: now - phaseStart });
          deps.onEvent({ event: 'phase', name: phase, ms: now - phaseStart });
          deps.finish();
          return;
        }
        default:
          throw unexpected(party, msg.type);
      }
    },
    waitingFor: () => (phase === 'keys' || phase === 'query' ? [bank] : partyIds),
  };
}

export type { CoordinatorMessage };
