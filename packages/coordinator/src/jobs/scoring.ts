/**
 * The joint scoring job as the coordinator runs it. The coordinator relays
 * and adds; it never holds a secret key and never sees a plaintext score.
 *
 *   join -> align (psi: steps/psi-relay) -> keys (steps/key-relay)
 *        -> query (query alignment only: the recipient's applicant list to every holder)
 *        -> encrypt (threshold: every party's commitment first; then each party's signed
 *           partial logits, relayed to the others as they arrive)
 *        -> aggregate (slot-wise sum, no key needed)
 *        -> decrypt (single holder: the sum to the recipient; threshold: steps/threshold-decrypt)
 *        -> reasons (the recipient's sealed requests for rejection reasons and the holders' sealed answers: steps/reasons-relay)
 *   ends when the recipient reports result.done (and, threshold, every verdict is in)
 */
import { FedError, sumCiphertexts } from '@fedrisk/shared';
import { stageAttack } from '../attacks.ts';
import { combineHandlers, type Job, type JobDeps, othersThan, partyIds, recipientDone, sendJobStart } from '../job.ts';
import { keyRelay } from '../steps/key-relay.ts';
import { psiRelay } from '../steps/psi-relay.ts';
import { queryRelay } from '../steps/query-relay.ts';
import { reasonsRelay } from '../steps/reasons-relay.ts';
import { thresholdDecrypt } from '../steps/threshold-decrypt.ts';

export function createScoringJob(deps: JobDeps): Job {
  const { config, logger, phases } = deps;
  const attack = stageAttack(deps);
  const keysRun = attack?.keys ?? config.keys;
  const threshold = keysRun === 'threshold';
  const commit = threshold && config.defences;
  const psi = config.alignment !== 'query';
  const keyHolder = config.keyHolder ?? config.recipient;
  const ids = partyIds(config);
  let slots = 0;
  const commits = new Set<string>();
  const partials = new Map<string, Uint8Array[]>();

  const align = psiRelay(deps, (n) => {
    slots = n;
    if (config.alignment === 'psi-cardinality') {
      // analytics only: the overlap sizes stay with the recipient and nothing is scored
      phases.close();
      deps.finish();
      return;
    }
    phases.enter('keys');
    for (const id of ids) deps.send(id, { type: 'align.done', jobId: config.jobId, slots });
  });
  // after key setup: the explicit query, or straight to encryption when PSI aligned the records
  const keys = keyRelay(deps, { holder: keyHolder, rotations: false, commit, swapPublicKey: attack?.swapPublicKey }, () =>
    phases.enter(psi ? 'encrypt' : 'query'),
  );
  const query = queryRelay(deps, (n) => {
    slots = n;
    phases.enter('encrypt');
  });
  const decrypt = thresholdDecrypt(deps);
  const reasons = reasonsRelay(deps);

  const aggregate = async (): Promise<void> => {
    phases.enter('aggregate');
    const inputs = new Map(partials);
    partials.clear();
    const sum = attack?.aggregate
      ? await attack.aggregate(inputs, slots)
      : await sumCiphertexts(
          deps.ckks(),
          ids.map((id) => inputs.get(id) as Uint8Array[]),
          { signal: deps.signal, names: ids },
        );
    phases.enter('decrypt');
    if (threshold) decrypt.request(sum, slots, inputs);
    else deps.send(config.recipient, { type: 'scores.sum', jobId: config.jobId, slots, chunks: sum.length }, sum);
  };

  const handlers = combineHandlers(align.handlers, keys.handlers, query.handlers, decrypt.handlers, reasons.handlers, {
    'scores.commit': (party, msg) => {
      phases.expect(party, msg.type, 'encrypt');
      if (!commit || commits.has(party)) throw phases.unexpected(party, msg.type);
      if (!msg.signature) throw new FedError('PROTO_ERR_INVALID', `${party} sent an unsigned commitment`);
      commits.add(party);
      for (const id of othersThan(config, party))
        deps.send(id, { type: 'scores.commit', jobId: config.jobId, from: party, commitment: msg.commitment, signature: msg.signature });
    },
    'scores.partial': async (party, msg, received) => {
      phases.expect(party, msg.type, 'encrypt');
      if (partials.has(party)) throw phases.unexpected(party, msg.type);
      // an input revealed before every commitment is in could have been chosen after seeing others'
      if (commit && commits.size < ids.length) throw new FedError('PROTO_ERR_UNEXPECTED', `${party} revealed its input before every party had committed`);
      const want = Math.ceil(slots / (config.ckks.polyModulusDegree / 2));
      if (msg.slots !== slots || msg.chunks !== want) {
        throw new FedError('JOB_ERR_MISMATCH', `${party} sent ${msg.slots} values in ${msg.chunks} ciphertexts; the job has ${slots} slots in ${want}`);
      }
      if (!msg.signature) throw new FedError('PROTO_ERR_INVALID', `${party} sent unsigned partial scores`);
      const blobs = attack?.tamper ? attack.tamper(party, received) : received;
      partials.set(party, blobs);
      logger.info({ from: party, chunks: blobs.length, have: partials.size, of: ids.length }, 'partial scores received');
      if (threshold) {
        // relayed at once, so transfers overlap with the other parties' encryption:
        // every party needs every other input to check what it will be asked to decrypt
        for (const id of othersThan(config, party))
          deps.send(
            id,
            {
              type: 'scores.input',
              jobId: config.jobId,
              from: party,
              slots,
              chunks: blobs.length,
              ...(msg.nonce ? { nonce: msg.nonce } : {}),
              signature: msg.signature,
            },
            blobs,
          );
      }
      if (partials.size === ids.length) await aggregate();
    },
    'result.done': recipientDone(deps, ['decrypt', 'reasons'], threshold ? () => decrypt.resultDone() : undefined),
  });

  return {
    kind: 'scoring',
    handlers,
    begin: () => {
      phases.enter(psi ? 'align' : 'keys');
      sendJobStart(deps, { keys: keysRun, kind: 'scoring', ...(threshold ? {} : { keyHolder }) });
    },
    waitingFor: () => {
      switch (phases.current) {
        case 'align':
          return align.waitingFor();
        case 'keys':
          return keys.waitingFor();
        case 'query':
          return query.waitingFor();
        case 'encrypt':
          return ids.filter((id) => !(commit && commits.size < ids.length ? commits : partials).has(id));
        case 'decrypt':
          return threshold ? decrypt.waitingFor() : [config.recipient];
        case 'reasons':
          return reasons.waitingFor();
        default:
          return [];
      }
    },
    learned: () => attack?.learned() ?? {},
    dispose: () => attack?.dispose(),
  };
}
