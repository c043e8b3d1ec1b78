/**
 * Relays the reasons step (phase "reasons"), after the recipient has its
 * scores: its sealed request to each holder, and each holder's sealed answer
 * back. The coordinator cannot open either; both are padded to the job's
 * slots, so it learns nothing about how many applicants were rejected.
 */
import { FedError } from '@fedrisk/shared';
import { type JobDeps, partyIds, type Step } from '../job.ts';

export function reasonsRelay(deps: JobDeps): Step {
  const { config, phases } = deps;
  const recipient = config.recipient;
  const ids = partyIds(config);
  const asked = new Set<string>();
  const answered = new Set<string>();
  const refuse = (party: string, type: string) => new FedError('PROTO_ERR_UNEXPECTED', `${type} from ${party} is not expected here`);
  const signed = (signature: string | undefined) => (signature ? { signature } : {});
  const handlers: Step['handlers'] = {
    'reasons.request': (party, msg, blobs) => {
      phases.expect(party, msg.type, 'decrypt', 'reasons');
      if (party !== recipient || msg.to === party || !ids.includes(msg.to) || asked.has(msg.to)) throw refuse(party, msg.type);
      if (phases.current === 'decrypt') phases.enter('reasons');
      asked.add(msg.to);
      deps.send(msg.to, { type: 'reasons.request', jobId: config.jobId, from: party, ...signed(msg.signature) }, blobs);
    },
    'reasons.reply': (party, msg, blobs) => {
      phases.expect(party, msg.type, 'reasons');
      if (msg.to !== recipient || !asked.has(party) || answered.has(party)) throw refuse(party, msg.type);
      answered.add(party);
      deps.send(recipient, { type: 'reasons.reply', jobId: config.jobId, from: party, ...signed(msg.signature) }, blobs);
    },
  };
  // until the recipient reports done: every holder it asked and has not answered, and the recipient
  return { handlers, waitingFor: () => [...[...asked].filter((id) => !answered.has(id)), recipient] };
}
