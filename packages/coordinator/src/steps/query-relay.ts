/**
 * Query alignment, for every job kind and design: the recipient's applicant
 * list (one blob, wire/id-list.ts), relayed to every holder in the clear
 * (phase "query"). Calls `onQueried` with the number of slots.
 */
import { type JobDeps, othersThan, type Step } from '../job.ts';

export function queryRelay(deps: JobDeps, onQueried: (slots: number) => void): Step {
  const { config, phases } = deps;
  return {
    handlers: {
      'query.ids': (party, msg, blobs) => {
        phases.expect(party, msg.type, 'query');
        if (party !== config.recipient) throw phases.unexpected(party, msg.type);
        deps.logger.info({ from: party, slots: msg.count }, 'query received, forwarding');
        onQueried(msg.count);
        for (const id of othersThan(config, party)) deps.send(id, { type: 'query.ids', jobId: config.jobId, from: party, count: msg.count }, blobs);
      },
    },
    waitingFor: () => [config.recipient],
  };
}
