/**
 * Threshold decryption as the coordinator runs it (phase "decrypt"): it asks
 * every party to decrypt the summed ciphertexts, named by hash; each party
 * checks the request against the sum it computes itself from the signed
 * inputs, answers with a verdict, and (all but the recipient) sends its share
 * sealed for the recipient, which the coordinator relays unread. The job ends
 * once every verdict is in: refused if anyone refused, else when the
 * recipient reports its result.
 */
import { ciphertextDigest, FedError, type WireError, wireToError } from '@fedrisk/shared';
import { type JobDeps, partyIds, type Step } from '../job.ts';

export interface ThresholdDecrypt extends Step {
  /** asks every party to decrypt `sum`; `inputs` are the parties' own inputs (a deviating coordinator's material) */
  request(sum: Uint8Array[], slots: number, inputs: ReadonlyMap<string, Uint8Array[]>): void;
  /** the recipient reported its result */
  resultDone(): void;
}

export function thresholdDecrypt(deps: JobDeps): ThresholdDecrypt {
  const { config, phases } = deps;
  const ids = partyIds(config);
  let requestsSent = 0;
  const verdicts = new Map<string, number>();
  const refusals: { party: string; error: WireError }[] = [];
  let resultDone = false;

  const verdictsComplete = (): boolean => [...verdicts.values()].reduce((s, n) => s + n, 0) === requestsSent * ids.length;

  const maybeFinish = (): void => {
    if (!verdictsComplete()) return;
    const first = refusals[0];
    if (first) {
      phases.close();
      const who = [...new Set(refusals.map((r) => r.party))];
      const err = wireToError(first.error);
      deps.finish(
        new FedError(err.code, `${who.length} of ${ids.length} parties (${who.join(', ')}) refused to decrypt: ${err.message}`, {
          details: { refusedBy: who },
        }),
      );
    } else if (resultDone) {
      phases.close();
      deps.finish();
    }
  };

  return {
    request: (sum, slots, inputs) => {
      let request = sum;
      const bad = config.misbehave;
      if (bad?.kind === 'decrypt-input') {
        deps.logger.warn({ target: bad.target }, 'misbehaving on purpose: presenting one party input as the sum');
        request = inputs.get(bad.target) ?? sum;
      }
      const digests = request.map((b) => ciphertextDigest(deps.ckks(), b));
      requestsSent = bad?.kind === 'replay-decrypt' ? 2 : 1;
      for (const id of ids) for (let r = 0; r < requestsSent; r++) deps.send(id, { type: 'decrypt.request', jobId: config.jobId, slots, digests });
    },
    resultDone: () => {
      resultDone = true;
      maybeFinish();
    },
    handlers: {
      'decrypt.verdict': (party, msg) => {
        phases.expect(party, msg.type, 'decrypt');
        if ((verdicts.get(party) ?? 0) >= requestsSent) throw phases.unexpected(party, msg.type);
        verdicts.set(party, (verdicts.get(party) ?? 0) + 1);
        if (!msg.ok) {
          const error = msg.error ?? { code: 'CRYPTO_ERR_SHARE_REFUSED', message: 'refused without a reason' };
          deps.logger.warn({ from: party, code: error.code }, 'party refused to decrypt');
          refusals.push({ party, error });
          deps.onRefusal(party, error);
        }
        maybeFinish();
      },
      'decrypt.share': (party, msg, blobs) => {
        phases.expect(party, msg.type, 'decrypt');
        if (msg.to !== config.recipient || party === config.recipient) throw phases.unexpected(party, msg.type);
        deps.custody.hold('relayedSealedShares');
        if (!msg.signature) throw new FedError('PROTO_ERR_INVALID', `${party} sent unsigned decryption shares`);
        deps.send(config.recipient, { type: 'decrypt.share', jobId: config.jobId, from: party, chunks: msg.chunks, signature: msg.signature }, blobs);
      },
    },
    waitingFor: () => ids.filter((id) => (verdicts.get(id) ?? 0) < requestsSent).concat(resultDone ? [] : [config.recipient]),
  };
}
