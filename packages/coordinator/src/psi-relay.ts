/**
 * Relays the PSI messages between the recipient and each holder, for any job
 * that aligns records privately. The coordinator sees blinded points only.
 * Returns the number of slots when the recipient says alignment is done.
 */
import { FedError, type Frame, type NodeMessage } from '@fedrisk/shared';
import type { JobDeps } from './scoring-job.ts';

export async function relayPsi(deps: JobDeps, party: string, { msg, blobs }: Frame<NodeMessage>): Promise<{ done: number } | undefined> {
  const { config } = deps;
  const recipient = config.recipient;
  const partyIds = config.parties.map((p) => p.id);
  const refuse = () => new FedError('PROTO_ERR_UNEXPECTED', `${msg.type} from ${party} is not expected during alignment`);
  switch (msg.type) {
    case 'psi.blinded':
    case 'psi.assign': {
      if (party !== recipient || msg.to === party || !partyIds.includes(msg.to)) throw refuse();
      const signature = msg.signature ? { signature: msg.signature } : {};
      if (msg.type === 'psi.blinded') await deps.send(msg.to, { type: 'psi.blinded', jobId: config.jobId, from: party, count: msg.count, ...signature }, blobs);
      else await deps.send(msg.to, { type: 'psi.assign', jobId: config.jobId, from: party, pairs: msg.pairs, ...signature }, blobs);
      return undefined;
    }
    case 'psi.reply': {
      if (msg.to !== recipient || party === recipient) throw refuse();
      const signature = msg.signature ? { signature: msg.signature } : {};
      await deps.send(msg.to, { type: 'psi.reply', jobId: config.jobId, from: party, count: msg.count, ownCount: msg.ownCount, ...signature }, blobs);
      return undefined;
    }
    case 'psi.done':
      if (party !== recipient) throw refuse();
      deps.logger.info({ slots: msg.count }, 'alignment finished');
      return { done: msg.count };
    default:
      throw refuse();
  }
}
