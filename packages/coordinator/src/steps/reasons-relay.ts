/**
 * Relays the reasons step (phase "reasons"), after the recipient has its
 * scores: its sealed request to each holder, and each holder's sealed answer
 * back. The coordinator cannot open either; both are padded to the job's
 * slots, so it learns nothing about how many applicants were rejected.
 * The refinement has a fixed shape: one compare to each holder, one operand
 * from every sender (the recipient, each earlier holder) to every later
 * holder, one masked ciphertext from each holder; what was contested does not
 * change the traffic.
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
  const holders = ids.filter((id) => id !== recipient);
  const compared = new Set<string>();
  const operands = new Set<string>();
  const masked = new Set<string>();
  /** a masker's senders: the recipient and every holder before it in job order */
  const sendersOf = (masker: string) => [recipient, ...holders.slice(0, holders.indexOf(masker))];
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
    'reasons.compare': (party, msg, blobs) => {
      phases.expect(party, msg.type, 'reasons');
      if (party !== recipient || !holders.includes(msg.to) || answered.size < holders.length || compared.has(msg.to)) throw refuse(party, msg.type);
      compared.add(msg.to);
      deps.send(msg.to, { type: 'reasons.compare', jobId: config.jobId, from: party, ...signed(msg.signature) }, blobs);
    },
    'reasons.operand': (party, msg, blobs) => {
      phases.expect(party, msg.type, 'reasons');
      const key = `${party}\u0000${msg.to}`;
      const ready = party === recipient ? compared.size === holders.length : compared.has(party);
      if (!holders.includes(msg.to) || !sendersOf(msg.to).includes(party) || !ready || operands.has(key)) throw refuse(party, msg.type);
      operands.add(key);
      deps.send(msg.to, { type: 'reasons.operand', jobId: config.jobId, from: party, ...signed(msg.signature) }, blobs);
    },
    'reasons.masked': (party, msg, blobs) => {
      phases.expect(party, msg.type, 'reasons');
      const all = holders.includes(party) && sendersOf(party).every((from) => operands.has(`${from}\u0000${party}`));
      if (msg.to !== recipient || !all || masked.has(party)) throw refuse(party, msg.type);
      masked.add(party);
      deps.send(recipient, { type: 'reasons.masked', jobId: config.jobId, from: party, ...signed(msg.signature) }, blobs);
    },
  };
  // until the recipient reports done: every holder it asked and has not answered, and the recipient
  return {
    handlers,
    waitingFor: () => [...[...asked].filter((id) => !answered.has(id)), ...[...compared].filter((id) => !masked.has(id)), recipient],
  };
}
