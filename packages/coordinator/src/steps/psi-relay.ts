/**
 * Relays PSI messages between the recipient and each holder, for any job that
 * aligns records privately (phase "align"). The coordinator sees blinded
 * points and set sizes only. Calls `onAligned` once, when the recipient says
 * alignment is done; or, when the job reuses an earlier job's alignment
 * (config.reuseAlignment), once every party has said it holds its own record
 * of it, with the same number of slots (no PSI message is then accepted).
 */
import { FedError } from '@fedrisk/shared';
import { type JobDeps, partyIds, type Step } from '../job.ts';

export function psiRelay(deps: JobDeps, onAligned: (slots: number) => void): Step {
  const { config, phases } = deps;
  const recipient = config.recipient;
  const ids = partyIds(config);
  const refuse = (party: string, type: string) => new FedError('PROTO_ERR_UNEXPECTED', `${type} from ${party} is not expected during alignment`);
  const holderTarget = (party: string, type: string, to: string): void => {
    phases.expect(party, type, 'align');
    if (party !== recipient || to === party || !ids.includes(to)) throw refuse(party, type);
  };
  const signed = (signature: string | undefined) => (signature ? { signature } : {});
  const reused = new Map<string, number>();
  const inPsi = (party: string, type: string): void => {
    if (config.reuseAlignment)
      throw new FedError('PROTO_ERR_UNEXPECTED', `${type} from ${party}: this job reuses the alignment of job ${config.reuseAlignment}`);
  };
  const handlers: Step['handlers'] = {
    'psi.blinded': (party, msg, blobs) => {
      inPsi(party, msg.type);
      holderTarget(party, msg.type, msg.to);
      deps.send(msg.to, { type: 'psi.blinded', jobId: config.jobId, from: party, points: msg.points, ...signed(msg.signature) }, blobs);
    },
    'psi.assign': (party, msg, blobs) => {
      inPsi(party, msg.type);
      holderTarget(party, msg.type, msg.to);
      deps.send(msg.to, { type: 'psi.assign', jobId: config.jobId, from: party, ...signed(msg.signature) }, blobs);
    },
    'psi.reply': (party, msg, blobs) => {
      phases.expect(party, msg.type, 'align');
      inPsi(party, msg.type);
      if (msg.to !== recipient || party === recipient) throw refuse(party, msg.type);
      deps.send(
        recipient,
        { type: 'psi.reply', jobId: config.jobId, from: party, points: msg.points, ownPoints: msg.ownPoints, ...signed(msg.signature) },
        blobs,
      );
    },
    'psi.done': (party, msg) => {
      phases.expect(party, msg.type, 'align');
      inPsi(party, msg.type);
      if (party !== recipient) throw refuse(party, msg.type);
      deps.logger.info({ slots: msg.slots }, 'alignment finished');
      onAligned(msg.slots);
    },
    'align.reused': (party, msg) => {
      phases.expect(party, msg.type, 'align');
      if (msg.reused !== config.reuseAlignment || reused.has(party)) throw refuse(party, msg.type);
      reused.set(party, msg.slots);
      if (reused.size < ids.length) return;
      const counts = new Set(reused.values());
      if (counts.size !== 1)
        throw new FedError(
          'JOB_ERR_MISMATCH',
          `the parties' records of job ${msg.reused}'s alignment disagree: ${[...reused].map(([p, n]) => `${p} ${n}`).join(', ')} slots`,
        );
      deps.logger.info({ slots: msg.slots, reused: msg.reused }, 'alignment reused');
      onAligned(msg.slots);
    },
  };
  // the recipient drives alignment: until it says done, the job waits for it and every holder it talks to
  return { handlers, waitingFor: () => (config.reuseAlignment ? ids.filter((id) => !reused.has(id)) : ids) };
}
