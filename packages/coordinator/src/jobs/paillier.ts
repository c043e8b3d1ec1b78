/**
 * Design "paillier": the scoring job with per-value Paillier under the
 * recipient's key, as FATE's hetero-LR does it. The coordinator relays the
 * recipient's public key, multiplies the parties' ciphertexts slot-wise (so
 * the values add) and hands the product to the recipient; it holds no secret
 * key. Only the first `paillier.sample` slots are encrypted (one ciphertext
 * per value is slow); the runner extrapolates to every slot, and says so.
 *
 *   join -> align (psi) -> keys (the recipient's public key, to every party)
 *        -> query (query alignment only) -> encrypt (each party's ciphertexts)
 *        -> aggregate (slot-wise product mod n²) -> decrypt (the recipient)
 */
import { DEFAULT_PAILLIER, FedError, paillierAdd, paillierPublicKey } from '@fedrisk/shared';
import { combineHandlers, type Job, type JobDeps, othersThan, partyIds, recipientDone, sendJobStart } from '../job.ts';
import { psiRelay } from '../steps/psi-relay.ts';
import { queryRelay } from '../steps/query-relay.ts';
import { reasonsRelay } from '../steps/reasons-relay.ts';

export function createPaillierJob(deps: JobDeps): Job {
  const { config, phases } = deps;
  const params = config.paillier ?? DEFAULT_PAILLIER;
  const ids = partyIds(config);
  const psi = config.alignment !== 'query';
  let slots = 0;
  let publicKey: Uint8Array | undefined;
  const partials = new Map<string, Uint8Array>();
  /** how many slots are encrypted: the sample, or every slot if there are fewer */
  const sampled = () => Math.min(slots, params.sample);

  const align = psiRelay(deps, (n) => {
    slots = n;
    if (config.alignment === 'psi-cardinality') {
      phases.close();
      deps.finish();
      return;
    }
    phases.enter('keys');
    for (const id of ids) deps.send(id, { type: 'align.done', jobId: config.jobId, slots });
  });
  const query = queryRelay(deps, (n) => {
    slots = n;
    phases.enter('encrypt');
  });

  // the recipient's decisions need reasons whatever the design: the same sealed step as under CKKS
  const reasons = reasonsRelay(deps);

  const handlers = combineHandlers(align.handlers, query.handlers, reasons.handlers, {
    'paillier.public': (party, msg, [blob]) => {
      phases.expect(party, msg.type, 'keys');
      if (party !== config.recipient || publicKey) throw phases.unexpected(party, msg.type);
      if (msg.keyBits !== params.keyBits) throw new FedError('JOB_ERR_MISMATCH', `${party} sent a ${msg.keyBits}-bit key; the job agreed on ${params.keyBits}`);
      paillierPublicKey(blob as Uint8Array, params.keyBits);
      publicKey = blob as Uint8Array;
      deps.custody.hold('relayedPublicKey');
      phases.enter(psi ? 'encrypt' : 'query');
      for (const id of othersThan(config, party))
        deps.send(
          id,
          { type: 'paillier.public', jobId: config.jobId, from: party, keyBits: msg.keyBits, ...(msg.signature ? { signature: msg.signature } : {}) },
          [publicKey],
        );
    },
    'paillier.partial': (party, msg, [blob]) => {
      phases.expect(party, msg.type, 'encrypt');
      if (partials.has(party) || !publicKey) throw phases.unexpected(party, msg.type);
      if (msg.slots !== sampled() || msg.keyBits !== params.keyBits)
        throw new FedError(
          'JOB_ERR_MISMATCH',
          `${party} sent ${msg.slots} ${msg.keyBits}-bit ciphertexts; the job encrypts ${sampled()} at ${params.keyBits} bits`,
        );
      if (!msg.signature) throw new FedError('PROTO_ERR_INVALID', `${party} sent unsigned ciphertexts`);
      partials.set(party, blob as Uint8Array);
      deps.logger.info({ from: party, values: msg.slots, have: partials.size, of: ids.length }, 'Paillier ciphertexts received');
      if (partials.size < ids.length) return;
      phases.enter('aggregate');
      const pk = paillierPublicKey(publicKey, params.keyBits);
      const sum = paillierAdd(
        pk,
        ids.map((id) => partials.get(id) as Uint8Array),
        sampled(),
        params.keyBits,
      );
      phases.enter('decrypt');
      deps.send(config.recipient, { type: 'paillier.sum', jobId: config.jobId, slots: sampled(), keyBits: params.keyBits }, [sum]);
    },
    'result.done': recipientDone(deps, ['decrypt', 'reasons']),
  });

  return {
    kind: 'scoring',
    handlers,
    begin: () => {
      phases.enter(psi ? 'align' : 'keys');
      sendJobStart(deps, { keys: 'paillier', kind: 'scoring', paillier: params });
    },
    waitingFor: () => {
      if (phases.current === 'align') return align.waitingFor();
      if (phases.current === 'query') return query.waitingFor();
      if (phases.current === 'keys') return [config.recipient];
      if (phases.current === 'encrypt') return ids.filter((id) => !partials.has(id));
      if (phases.current === 'reasons') return reasons.waitingFor();
      return phases.current === 'decrypt' ? [config.recipient] : [];
    },
  };
}
