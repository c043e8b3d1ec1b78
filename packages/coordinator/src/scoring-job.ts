/**
 * The joint scoring job as the coordinator runs it ("single key holder"
 * design). The coordinator relays and adds; it never holds a secret key and
 * never sees a plaintext partial score.
 *
 *   keys:      key holder -> keys.public -> everyone else
 *   query:     recipient  -> query.ids   -> everyone else
 *   encrypt:   every party -> scores.partial (ciphertexts under the public key)
 *   aggregate: coordinator adds the partials slot-wise
 *   decrypt:   coordinator -> scores.sum -> recipient; recipient -> result.done
 */
import {
  type CkksContext,
  type CoordinatorConfig,
  type CoordinatorMessage,
  type EventSink,
  FedError,
  type Frame,
  type Logger,
  type NodeMessage,
  type Outgoing,
  sumCiphertexts,
} from '@fedrisk/shared';

export type PhaseName = 'join' | 'keys' | 'query' | 'encrypt' | 'aggregate' | 'decrypt';

export interface JobDeps {
  config: CoordinatorConfig;
  /** the job's CKKS context, made when first needed */
  ckks: () => CkksContext;
  logger: Logger;
  clock: () => number;
  signal: AbortSignal;
  onEvent: EventSink;
  send(party: string, msg: Outgoing<CoordinatorMessage>, blobs?: readonly Uint8Array[]): Promise<void>;
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

export function createScoringJob(deps: JobDeps): ScoringJob {
  const { config, ckks, logger, clock } = deps;
  const partyIds = config.parties.map((p) => p.id);
  const others = (id: string) => partyIds.filter((p) => p !== id);
  const phases: { name: PhaseName; ms: number }[] = [];
  let phase: PhaseName = 'join';
  let phaseStart = clock();
  let count = 0;
  const partials = new Map<string, Uint8Array[]>();
  let publicKeyBytes: number | undefined;

  const enter = (next: PhaseName): void => {
    const now = clock();
    phases.push({ name: phase, ms: now - phaseStart });
    deps.onEvent({ event: 'phase', name: phase, ms: now - phaseStart });
    logger.info({ phase, ms: now - phaseStart, next }, 'phase done');
    phase = next;
    phaseStart = now;
  };

  const unexpected = (party: string, type: string): FedError =>
    new FedError('PROTO_ERR_UNEXPECTED', `${type} from ${party} is not expected in phase "${phase}"`, { details: { phase, type } });

  const aggregate = async (): Promise<void> => {
    enter('aggregate');
    const inputs = partyIds.map((id) => partials.get(id) as Uint8Array[]);
    const sum = await sumCiphertexts(ckks(), inputs, { signal: deps.signal });
    partials.clear();
    enter('decrypt');
    await deps.send(config.recipient, { type: 'scores.sum', jobId: config.jobId, count, chunks: sum.length }, sum);
  };

  return {
    get phase() {
      return phase;
    },
    phases,
    begin: async () => {
      enter('keys');
      const parties = config.parties.map(({ id, role }) => ({ id, role }));
      await Promise.all(
        partyIds.map((id) =>
          deps.send(id, {
            type: 'job.start',
            jobId: config.jobId,
            design: config.design,
            keyHolder: config.keyHolder,
            recipient: config.recipient,
            parties,
            ckks: config.ckks,
          }),
        ),
      );
    },
    handle: async (party, { msg, blobs }) => {
      if ('jobId' in msg && msg.jobId !== undefined && msg.jobId !== config.jobId) {
        throw new FedError('PROTO_ERR_UNEXPECTED', `job id ${msg.jobId} is not the running job ${config.jobId}`);
      }
      switch (msg.type) {
        case 'keys.public': {
          if (phase !== 'keys' || party !== config.keyHolder) throw unexpected(party, msg.type);
          publicKeyBytes = blobs[0]?.length;
          logger.info({ from: party, bytes: publicKeyBytes }, 'public key received, forwarding');
          enter('query');
          await Promise.all(others(party).map((id) => deps.send(id, { type: 'keys.public', jobId: config.jobId, from: party }, blobs)));
          return;
        }
        case 'query.ids': {
          if (phase !== 'query' || party !== config.recipient) throw unexpected(party, msg.type);
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
          partials.set(party, blobs);
          logger.info({ from: party, chunks: blobs.length, have: partials.size, of: partyIds.length }, 'partial scores received');
          if (partials.size === partyIds.length) await aggregate();
          return;
        }
        case 'result.done': {
          if (phase !== 'decrypt' || party !== config.recipient) throw unexpected(party, msg.type);
          logger.info({ from: party, scored: msg.scored }, 'recipient decrypted the result');
          const now = clock();
          phases.push({ name: phase, ms: now - phaseStart });
          deps.onEvent({ event: 'phase', name: phase, ms: now - phaseStart });
          deps.finish();
          return;
        }
        default:
          throw unexpected(party, msg.type);
      }
    },
    waitingFor: () => {
      switch (phase) {
        case 'join':
          return [];
        case 'keys':
          return [config.keyHolder];
        case 'query':
        case 'decrypt':
          return [config.recipient];
        case 'encrypt':
          return partyIds.filter((id) => !partials.has(id));
        default:
          return [];
      }
    },
  };
}
