/**
 * The joint scoring job as the coordinator runs it. The coordinator relays
 * and adds; it never holds a secret key and never sees a plaintext score.
 *
 * single-holder                         threshold (n-of-n)
 *   align:  (psi) recipient <-> each holder via psi.blinded / psi.reply / psi.assign,
 *           recipient -> psi.done; coordinator -> align.done -> all
 *   keys:   holder -> keys.public ->all   every party -> keys.share -> all others
 *   query:  (query alignment only) recipient -> query.ids -> all others
 *   encrypt: every party -> scores.partial (ciphertexts)
 *   aggregate: coordinator adds the partials slot-wise
 *   decrypt: scores.sum -> recipient      scores.input (others' inputs) + decrypt.request
 *                                          -> every party; decrypt.verdict from each;
 *                                          decrypt.share (sealed) -> recipient
 *   recipient -> result.done
 */

import {
  type CkksContext,
  type CoordinatorConfig,
  type CoordinatorMessage,
  ciphertextDigest,
  type EventSink,
  FedError,
  type Frame,
  type Logger,
  type NodeMessage,
  type Outgoing,
  sumCiphertexts,
  type WireError,
  wireToError,
} from '@fedrisk/shared';
import { relayPsi } from './psi-relay.ts';

export type PhaseName = 'join' | 'align' | 'keys' | 'query' | 'encrypt' | 'aggregate' | 'decrypt';

export interface JobDeps {
  config: CoordinatorConfig;
  /** the job's CKKS context, made when first needed */
  ckks: () => CkksContext;
  logger: Logger;
  clock: () => number;
  signal: AbortSignal;
  onEvent: EventSink;
  send(party: string, msg: Outgoing<CoordinatorMessage>, blobs?: readonly Uint8Array[]): Promise<void>;
  /** a party refused part of the job; recorded for the report */
  onRefusal(party: string, error: WireError): void;
  /** ends the job: ok, or failed with an error every party is told about */
  finish(error?: FedError): void;
}

export interface ScoringJob {
  readonly phase: PhaseName;
  readonly phases: { name: PhaseName; ms: number }[];
  /** everyone has joined: hand out the job */
  begin(): Promise<void>;
  handle(party: string, frame: Frame<NodeMessage>): Promise<void>;
  /** parties the current phase still waits for, for timeout messages */
  waitingFor(): string[];
}

interface Partial {
  blobs: Uint8Array[];
  signature?: string | undefined;
}

export function createScoringJob(deps: JobDeps): ScoringJob {
  const { config, logger, clock } = deps;
  const threshold = config.keys === 'threshold';
  const psi = config.alignment !== 'query';
  /** after key setup: the explicit query, or straight to encryption when PSI aligned the records */
  const afterKeys: PhaseName = psi ? 'encrypt' : 'query';
  const keyHolder = config.keyHolder ?? config.recipient;
  const partyIds = config.parties.map((p) => p.id);
  const others = (id: string) => partyIds.filter((p) => p !== id);
  const phases: { name: PhaseName; ms: number }[] = [];
  let phase: PhaseName = 'join';
  let phaseStart = clock();
  let count = 0;
  const partials = new Map<string, Partial>();
  const keyShares = new Set<string>();
  // threshold decryption: one verdict per party per request sent
  let requestsSent = 0;
  const verdicts = new Map<string, number>();
  const refusals: { party: string; error: WireError }[] = [];
  let resultDone = false;

  const enter = (next: PhaseName): void => {
    const now = clock();
    phases.push({ name: phase, ms: now - phaseStart });
    deps.onEvent({ event: 'phase', name: phase, ms: now - phaseStart });
    logger.info({ phase, ms: now - phaseStart, next }, 'phase done');
    phase = next;
    phaseStart = now;
  };

  const closeLastPhase = (): void => {
    const now = clock();
    phases.push({ name: phase, ms: now - phaseStart });
    deps.onEvent({ event: 'phase', name: phase, ms: now - phaseStart });
  };

  const unexpected = (party: string, type: string): FedError =>
    new FedError('PROTO_ERR_UNEXPECTED', `${type} from ${party} is not expected in phase "${phase}"`, { details: { phase, type } });

  const verdictsComplete = (): boolean => [...verdicts.values()].reduce((s, n) => s + n, 0) === requestsSent * partyIds.length;

  /** Ends a threshold job once every verdict is in: refused if anyone refused, else when the recipient is done. */
  const maybeFinishThreshold = (): void => {
    if (!verdictsComplete()) return;
    const first = refusals[0];
    if (first) {
      closeLastPhase();
      const who = [...new Set(refusals.map((r) => r.party))];
      const err = wireToError(first.error);
      deps.finish(
        new FedError(err.code, `${who.length} of ${partyIds.length} parties (${who.join(', ')}) refused to decrypt: ${err.message}`, {
          details: { refusedBy: who },
        }),
      );
    } else if (resultDone) {
      closeLastPhase();
      deps.finish();
    }
  };

  const aggregate = async (): Promise<void> => {
    enter('aggregate');
    const inputs = partyIds.map((id) => (partials.get(id) as Partial).blobs);
    const sum = await sumCiphertexts(deps.ckks(), inputs, { signal: deps.signal });
    enter('decrypt');
    if (!threshold) {
      partials.clear();
      await deps.send(config.recipient, { type: 'scores.sum', jobId: config.jobId, count, chunks: sum.length }, sum);
      return;
    }
    // every party already has every other party's signed input (relayed as they arrived) to check the request
    let request = sum;
    const bad = config.misbehave;
    if (bad?.kind === 'decrypt-input') {
      logger.warn({ target: bad.target }, 'misbehaving on purpose: presenting one party input as the sum');
      request = (partials.get(bad.target) as Partial | undefined)?.blobs ?? sum;
    }
    const digests = request.map((b) => ciphertextDigest(deps.ckks(), b));
    const rounds = bad?.kind === 'replay-decrypt' ? 2 : 1;
    requestsSent = rounds;
    await Promise.all(
      partyIds.map(async (id) => {
        for (let r = 0; r < rounds; r++) await deps.send(id, { type: 'decrypt.request', jobId: config.jobId, count, digests });
      }),
    );
    partials.clear();
  };

  return {
    get phase() {
      return phase;
    },
    phases,
    begin: async () => {
      enter(psi ? 'align' : 'keys');
      const parties = config.parties.map(({ id, role }) => ({ id, role }));
      await Promise.all(
        partyIds.map((id) =>
          deps.send(id, {
            type: 'job.start',
            jobId: config.jobId,
            keys: config.keys,
            alignment: config.alignment,
            kind: 'scoring',
            ...(threshold ? {} : { keyHolder }),
            recipient: config.recipient,
            parties,
            ckks: config.ckks,
          }),
        ),
      );
    },
    handle: async (party, frame) => {
      const { msg, blobs } = frame;
      if ('jobId' in msg && msg.jobId !== undefined && msg.jobId !== config.jobId) {
        throw new FedError('PROTO_ERR_UNEXPECTED', `job id ${msg.jobId} is not the running job ${config.jobId}`);
      }
      switch (msg.type) {
        case 'keys.public': {
          if (threshold || phase !== 'keys' || party !== keyHolder) throw unexpected(party, msg.type);
          logger.info({ from: party, bytes: blobs[0]?.length }, 'public key received, forwarding');
          enter(afterKeys);
          await Promise.all(others(party).map((id) => deps.send(id, { type: 'keys.public', jobId: config.jobId, from: party }, blobs)));
          return;
        }
        case 'keys.share': {
          if (!threshold || phase !== 'keys' || keyShares.has(party)) throw unexpected(party, msg.type);
          keyShares.add(party);
          logger.info({ from: party, have: keyShares.size, of: partyIds.length }, 'public-key share received, forwarding');
          await Promise.all(
            others(party).map((id) =>
              deps.send(id, { type: 'keys.share', jobId: config.jobId, from: party, x25519: msg.x25519, signature: msg.signature }, blobs),
            ),
          );
          if (keyShares.size === partyIds.length) enter(afterKeys);
          return;
        }
        case 'psi.blinded':
        case 'psi.assign':
        case 'psi.reply':
        case 'psi.done': {
          if (!psi || phase !== 'align') throw unexpected(party, msg.type);
          const aligned = await relayPsi(deps, party, frame);
          if (!aligned) return;
          count = aligned.done;
          if (config.alignment === 'psi-cardinality') {
            // analytics only: the overlap sizes stay with the recipient and nothing is scored
            closeLastPhase();
            deps.finish();
            return;
          }
          enter('keys');
          await Promise.all(partyIds.map((id) => deps.send(id, { type: 'align.done', jobId: config.jobId, count })));
          return;
        }
        case 'query.ids': {
          if (psi || phase !== 'query' || party !== config.recipient) throw unexpected(party, msg.type);
          count = msg.ids.length;
          logger.info({ from: party, count }, 'query received, forwarding');
          enter('encrypt');
          await Promise.all(others(party).map((id) => deps.send(id, { type: 'query.ids', jobId: config.jobId, from: party, ids: msg.ids })));
          return;
        }
        case 'scores.partial': {
          if (phase !== 'encrypt' || partials.has(party)) throw unexpected(party, msg.type);
          const want = Math.ceil(count / (config.ckks.polyModulusDegree / 2));
          if (msg.count !== count || msg.chunks !== want) {
            throw new FedError(
              'JOB_ERR_MISMATCH',
              `${party} sent ${msg.count} values in ${msg.chunks} ciphertexts; the query has ${count} businesses in ${want}`,
            );
          }
          if (threshold && !msg.signature)
            throw new FedError('PROTO_ERR_INVALID', `${party} sent unsigned partial scores; the threshold design needs them signed`);
          partials.set(party, { blobs, signature: msg.signature });
          logger.info({ from: party, chunks: blobs.length, have: partials.size, of: partyIds.length }, 'partial scores received');
          if (threshold) {
            // relay each signed input at once, so the transfers overlap with the other parties' encryption:
            // every party needs every other input to check what it will be asked to decrypt
            await Promise.all(
              others(party).map((id) =>
                deps.send(id, { type: 'scores.input', jobId: config.jobId, from: party, count, chunks: blobs.length, signature: msg.signature ?? '' }, blobs),
              ),
            );
          }
          if (partials.size === partyIds.length) await aggregate();
          return;
        }
        case 'decrypt.verdict': {
          if (!threshold || phase !== 'decrypt' || (verdicts.get(party) ?? 0) >= requestsSent) throw unexpected(party, msg.type);
          verdicts.set(party, (verdicts.get(party) ?? 0) + 1);
          if (!msg.ok) {
            const error = msg.error ?? { code: 'CRYPTO_ERR_SHARE_REFUSED', message: 'refused without a reason' };
            logger.warn({ from: party, code: error.code }, 'party refused to decrypt');
            refusals.push({ party, error });
            deps.onRefusal(party, error);
          }
          maybeFinishThreshold();
          return;
        }
        case 'decrypt.share': {
          if (!threshold || phase !== 'decrypt' || msg.to !== config.recipient || party === config.recipient) throw unexpected(party, msg.type);
          await deps.send(config.recipient, { type: 'decrypt.share', jobId: config.jobId, from: party, chunks: msg.chunks }, blobs);
          return;
        }
        case 'result.done': {
          if (phase !== 'decrypt' || party !== config.recipient) throw unexpected(party, msg.type);
          logger.info({ from: party, scored: msg.scored }, 'recipient decrypted the result');
          resultDone = true;
          if (threshold) return maybeFinishThreshold();
          closeLastPhase();
          deps.finish();
          return;
        }
        default:
          throw unexpected(party, msg.type);
      }
    },
    waitingFor: () => {
      switch (phase) {
        case 'align':
          return [config.recipient, ...others(config.recipient)];
        case 'keys':
          return threshold ? partyIds.filter((id) => !keyShares.has(id)) : [keyHolder];
        case 'query':
          return [config.recipient];
        case 'encrypt':
          return partyIds.filter((id) => !partials.has(id));
        case 'decrypt':
          return threshold ? partyIds.filter((id) => (verdicts.get(id) ?? 0) < requestsSent).concat(resultDone ? [] : [config.recipient]) : [config.recipient];
        default:
          return [];
      }
    },
  };
}
