/**
 * Design "plaintext": the scoring job with no encryption at all, as the cost
 * floor the encrypted designs are measured against. The coordinator reads
 * every party's partial logit for every slot and the joint logits: the
 * report's ledger counts them as plaintext values, and says so.
 *
 *   join -> align (psi) | query -> encrypt (each party's partials, in the clear)
 *        -> aggregate (the coordinator adds them) -> decrypt (the sum to the recipient)
 *        -> reasons (sealed, as under CKKS: steps/reasons-relay)
 */
import { FedError } from '@fedrisk/shared';
import { combineHandlers, type Job, type JobDeps, partyIds, recipientDone, sendJobStart } from '../job.ts';
import { psiRelay } from '../steps/psi-relay.ts';
import { queryRelay } from '../steps/query-relay.ts';
import { reasonsRelay } from '../steps/reasons-relay.ts';

export function createPlaintextJob(deps: JobDeps): Job {
  const { config, phases } = deps;
  const ids = partyIds(config);
  const psi = config.alignment !== 'query';
  let slots = 0;
  const partials = new Map<string, Float64Array>();

  const align = psiRelay(deps, (n) => {
    slots = n;
    if (config.alignment === 'psi-cardinality') {
      phases.close();
      deps.finish();
      return;
    }
    phases.enter('encrypt');
    for (const id of ids) deps.send(id, { type: 'align.done', jobId: config.jobId, slots });
  });
  const query = queryRelay(deps, (n) => {
    slots = n;
    phases.enter('encrypt');
  });

  // the recipient's decisions need reasons whatever the design: the same sealed step as under CKKS
  const reasons = reasonsRelay(deps);

  const handlers = combineHandlers(align.handlers, query.handlers, reasons.handlers, {
    'plain.partial': (party, msg, [blob]) => {
      phases.expect(party, msg.type, 'encrypt');
      if (partials.has(party)) throw phases.unexpected(party, msg.type);
      if (msg.slots !== slots) throw new FedError('JOB_ERR_MISMATCH', `${party} sent ${msg.slots} values; the job has ${slots} slots`);
      const b = blob as Uint8Array;
      // a copy: the frame's bytes need not be 8-byte aligned
      partials.set(party, new Float64Array(new Uint8Array(b).buffer));
      if (partials.size < ids.length) return;
      phases.enter('aggregate');
      const sum = new Float64Array(slots);
      for (const values of partials.values()) for (let i = 0; i < slots; i++) sum[i] = (sum[i] as number) + (values[i] as number);
      phases.enter('decrypt');
      deps.send(config.recipient, { type: 'plain.sum', jobId: config.jobId, slots }, [new Uint8Array(sum.buffer)]);
    },
    'result.done': recipientDone(deps, ['decrypt', 'reasons']),
  });

  return {
    kind: 'scoring',
    handlers,
    begin: () => {
      phases.enter(psi ? 'align' : 'query');
      sendJobStart(deps, { keys: 'plaintext', kind: 'scoring' });
    },
    waitingFor: () => {
      if (phases.current === 'align') return align.waitingFor();
      if (phases.current === 'query') return query.waitingFor();
      if (phases.current === 'encrypt') return ids.filter((id) => !partials.has(id));
      if (phases.current === 'reasons') return reasons.waitingFor();
      return phases.current === 'decrypt' ? [config.recipient] : [];
    },
  };
}
