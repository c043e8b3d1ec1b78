/**
 * The coordinator: a `ws` server that admits the parties a job lists,
 * validates every frame at the socket, and runs the job. It can decrypt
 * nothing: it is given public parameters only.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import {
  asFedError,
  type CkksContext,
  type CoordinatorConfig,
  type CoordinatorMessage,
  createCkksContext,
  createLinkShaper,
  decodeNodeFrame,
  type ErrorCode,
  type EventSink,
  encodeFrame,
  FedError,
  type Frame,
  type KnowledgeCounts,
  KnowledgeLedger,
  type LinkCount,
  LinkMeter,
  type Logger,
  MAX_FRAME_BYTES,
  type NodeMessage,
  type Outgoing,
  type SealModule,
  type WireError,
  wireToError,
} from '@fedrisk/shared';
import { WebSocket, WebSocketServer } from 'ws';
import { createScoringJob, type PhaseName, type ScoringJob } from './scoring-job.ts';
import { createTrainingJob } from './training-job.ts';

export interface CoordinatorOptions {
  config: CoordinatorConfig;
  seal: SealModule;
  logger: Logger;
  host?: string;
  /** 0 picks a free port */
  port?: number;
  clock?: () => number;
  onEvent?: EventSink;
  /** sees every raw frame the coordinator receives (privacy tests capture them) */
  onRawFrame?: (from: string, raw: Buffer) => void;
}

export interface JobRecord {
  jobId: string;
  ok: boolean;
  error?: WireError;
  phases: { name: PhaseName; ms: number }[];
  links: LinkCount[];
  /** what the coordinator itself received, by kind */
  ledger: { received: KnowledgeCounts; decrypted: number };
  /** key material the coordinator held during the job */
  keyMaterial: string[];
  refusals: { party: string; code: string; message: string }[];
}

export interface Coordinator {
  start(): Promise<{ url: string; port: number }>;
  /** settles when the job ends, successfully or not; never rejects */
  readonly done: Promise<JobRecord>;
  close(): Promise<void>;
}

const CLOSE_AUTH = 4001;
const CLOSE_DONE = 1000;

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function summarise(msg: NodeMessage | CoordinatorMessage, blobs: readonly Uint8Array[]): string {
  const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;
  const total = blobs.reduce((s, b) => s + b.length, 0);
  switch (msg.type) {
    case 'hello':
      return `hello as ${msg.role} with a credential`;
    case 'keys.public':
      return `CKKS public key (${kb(total)})`;
    case 'keys.share':
      return `public-key share, signed, with an X25519 key (${kb(total)})`;
    case 'scores.input':
      return `${msg.from}'s signed input: ${msg.chunks} ciphertext(s) (${kb(total)})`;
    case 'psi.blinded':
      return `${msg.count} blinded ids (${kb(total)})`;
    case 'psi.reply':
      return `${msg.count} re-blinded ids + ${msg.ownCount} own blinded ids (${kb(total)})`;
    case 'psi.assign':
      return `${msg.pairs} slot assignments for the intersection`;
    case 'psi.done':
      return `alignment done: ${msg.count} slots`;
    case 'align.done':
      return `alignment done: ${msg.count} slots; set up keys`;
    case 'decrypt.request':
      return `please decrypt ${msg.digests.length} ciphertext(s), named by hash`;
    case 'decrypt.verdict':
      return msg.ok ? 'checked: it is the sum of the inputs; share issued' : `REFUSED: ${msg.error?.code}`;
    case 'decrypt.share':
      return `${msg.chunks} decryption share(s) sealed for the recipient (${kb(total)})`;
    case 'query.ids':
      return `${msg.ids.length} business ids to score`;
    case 'scores.partial':
    case 'scores.sum':
      return `${msg.chunks} ciphertext(s) holding ${msg.count} encrypted scores (${kb(total)})`;
    case 'job.start':
      return `job ${msg.jobId}: keys ${msg.keys}${msg.keyHolder ? ` held by ${msg.keyHolder}` : ''}, recipient ${msg.recipient}, N=${msg.ckks.polyModulusDegree}`;
    case 'job.end':
      return msg.ok ? 'job finished' : `job failed: ${msg.error?.code}`;
    case 'error':
      return `error ${msg.error.code}`;
    case 'result.done':
      return `decrypted ${msg.scored} scores`;
    case 'welcome':
      return 'admitted';
    default:
      return '';
  }
}

export function createCoordinator(opts: CoordinatorOptions): Coordinator {
  const { config, logger: root } = opts;
  const log = root.child({ module: 'coordinator' });
  const clock = opts.clock ?? (() => performance.now());
  const onEvent: EventSink = opts.onEvent ?? (() => {});
  const t0 = clock();
  const ledger = new KnowledgeLedger();
  const links = new LinkMeter();
  const refusals: JobRecord['refusals'] = [];
  const sockets = new Map<string, WebSocket>();
  const pending = new Set<WebSocket>();
  const abort = new AbortController();
  const timers = new Set<NodeJS.Timeout>();
  let server: WebSocketServer | undefined;
  let closed = false;
  let finished = false;
  let job: ScoringJob | undefined;
  let phaseTimer: NodeJS.Timeout | undefined;
  let resolveDone!: (r: JobRecord) => void;
  const done = new Promise<JobRecord>((resolve) => {
    resolveDone = resolve;
  });
  // made on first use (aggregation): the parties check the job's parameters
  // themselves when it starts, and refuse it if they are not secure
  let ckks: CkksContext | undefined;
  const getCkks = (): CkksContext => {
    ckks ??= createCkksContext(opts.seal, config.ckks);
    return ckks;
  };

  const setTimer = (ms: number, fn: () => void): NodeJS.Timeout => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
    return t;
  };
  const clearTimer = (t: NodeJS.Timeout | undefined): void => {
    if (!t) return;
    clearTimeout(t);
    timers.delete(t);
  };

  const shaper = config.network && (config.network.latencyMs > 0 || config.network.bandwidthMbps) ? createLinkShaper(config.network, clock) : undefined;
  /** waits out the simulated network for one frame on one link (no wait without network conditions) */
  const travel = (link: string, bytes: number): Promise<void> => {
    const ms = shaper?.delay(link, bytes) ?? 0;
    return ms > 0 ? new Promise((resolve) => setTimer(ms, resolve)) : Promise.resolve();
  };

  const sendRaw = async (ws: WebSocket, to: string, msg: Outgoing<CoordinatorMessage>, blobs: readonly Uint8Array[] = []): Promise<void> => {
    const frame = encodeFrame<CoordinatorMessage>(msg, blobs);
    await travel(`coordinator>${to}`, frame.length);
    links.add('coordinator', to, frame.length);
    onEvent({
      event: 'message',
      at: clock() - t0,
      from: 'coordinator',
      to,
      type: msg.type,
      bytes: frame.length,
      summary: summarise(msg as CoordinatorMessage, blobs),
    });
    if (ws.readyState !== WebSocket.OPEN) return Promise.resolve();
    return new Promise((resolve) => {
      ws.send(frame, (err) => {
        if (err) log.warn({ to, err: err.message }, 'send failed');
        resolve();
      });
    });
  };

  const send = async (party: string, msg: Outgoing<CoordinatorMessage>, blobs?: readonly Uint8Array[]): Promise<void> => {
    const ws = sockets.get(party);
    if (!ws) throw new FedError('JOB_ERR_PARTY_LOST', `party ${party} is not connected`);
    await sendRaw(ws, party, msg, blobs);
  };

  const finish = (error?: FedError): void => {
    if (finished) return;
    finished = true;
    clearTimer(phaseTimer);
    if (error) log.error({ code: error.code, err: error.message }, 'job failed');
    else log.info('job finished');
    const end: Outgoing<CoordinatorMessage> = error
      ? { type: 'job.end', jobId: config.jobId, ok: false, error: error.toWire() }
      : { type: 'job.end', jobId: config.jobId, ok: true };
    const sends = [...sockets.entries()].map(([party, ws]) => sendRaw(ws, party, end));
    void Promise.all(sends).then(() => {
      onEvent({ event: 'done', ok: !error });
      resolveDone({
        jobId: config.jobId,
        ok: !error,
        ...(error ? { error: error.toWire() } : {}),
        phases: job ? [...job.phases] : [],
        links: links.toJSON(),
        ledger: ledger.toJSON(),
        keyMaterial: config.keys === 'threshold' ? ['public-key shares (relayed)', 'sealed decryption shares (relayed, unreadable)'] : ['public key (relayed)'],
        refusals,
      });
    });
  };

  const armPhaseTimer = (): void => {
    clearTimer(phaseTimer);
    const phaseAtArm = job?.phase;
    phaseTimer = setTimer(config.timeouts.phaseMs, () => {
      if (!job || finished) return;
      if (job.phase !== phaseAtArm) return armPhaseTimer();
      finish(
        new FedError(
          'JOB_ERR_TIMEOUT',
          `phase "${job.phase}" took longer than ${config.timeouts.phaseMs} ms; still waiting for ${job.waitingFor().join(', ') || 'nobody'}`,
        ),
      );
    });
  };

  const replyError = (ws: WebSocket, to: string, err: FedError): Promise<void> => sendRaw(ws, to, { type: 'error', error: err.toWire() });

  const admit = async (ws: WebSocket, frame: Frame<NodeMessage>): Promise<string | undefined> => {
    const { msg } = frame;
    if (msg.type !== 'hello') {
      await replyError(ws, 'unknown', new FedError('AUTH_ERR_REJECTED', 'the first message must be hello'));
      ws.close(CLOSE_AUTH, 'hello first');
      return undefined;
    }
    const entry = config.parties.find((p) => p.id === msg.party);
    const tokenOk = entry ? timingSafeEqual(sha256(msg.token), Buffer.from(entry.tokenSha256, 'hex')) : false;
    if (!entry || entry.role !== msg.role || !tokenOk) {
      log.warn({ party: msg.party, role: msg.role }, 'admission refused');
      await replyError(
        ws,
        msg.party,
        new FedError(
          'AUTH_ERR_REJECTED',
          `party "${msg.party}" with role ${msg.role} is not admitted to this job (unknown party, wrong role or wrong credential)`,
        ),
      );
      ws.close(CLOSE_AUTH, 'rejected');
      return undefined;
    }
    if (sockets.has(msg.party)) {
      await replyError(ws, msg.party, new FedError('AUTH_ERR_DUPLICATE', `party "${msg.party}" is already connected`));
      ws.close(CLOSE_AUTH, 'duplicate');
      return undefined;
    }
    sockets.set(msg.party, ws);
    pending.delete(ws);
    ledger.record(msg, frame.blobs);
    log.info({ party: msg.party, role: msg.role, joined: sockets.size, of: config.parties.length }, 'party joined');
    onEvent({ event: 'joined', party: msg.party });
    await sendRaw(ws, msg.party, { type: 'welcome', party: msg.party });
    if (sockets.size === config.parties.length && job && job.phase === 'join') {
      clearTimer(joinTimer);
      armPhaseTimer();
      await job.begin();
    }
    return msg.party;
  };

  const partyFailed = (party: string, wire: WireError): void => {
    const err = wireToError(wire);
    refusals.push({ party, code: err.code, message: err.message });
    onEvent({ event: 'refused', party, code: err.code as ErrorCode, message: err.message });
    finish(new FedError(err.code, `party ${party} stopped the job: ${err.message}`, { details: { party } }));
  };

  const onConnection = (ws: WebSocket): void => {
    let party: string | undefined;
    pending.add(ws);
    // queue frames per socket so a slow handler never reorders a party's messages
    let chain = Promise.resolve();
    ws.on('error', (err) => log.warn({ party, err: err.message }, 'socket error'));
    const helloTimer = setTimer(config.timeouts.joinMs, () => {
      if (!party) ws.terminate();
    });
    ws.on('message', (raw: Buffer, isBinary: boolean) => {
      chain = chain.then(async () => {
        await travel(`${party ?? 'unknown'}>coordinator`, raw.length);
        const from = party ?? 'unknown';
        opts.onRawFrame?.(from, raw);
        let frame: Frame<NodeMessage>;
        try {
          frame = decodeNodeFrame(isBinary ? raw : raw.toString('utf8'));
        } catch (err) {
          const fe = asFedError(err, 'PROTO_ERR_MALFORMED');
          links.add(from, 'coordinator', raw.length);
          log.warn({ from, code: fe.code, err: fe.message }, 'bad frame');
          await replyError(ws, from, fe);
          return;
        }
        const traceIn = (who: string) => {
          links.add(who, 'coordinator', frame.bytes);
          onEvent({
            event: 'message',
            at: clock() - t0,
            from: who,
            to: 'coordinator',
            type: frame.msg.type,
            bytes: frame.bytes,
            summary: summarise(frame.msg, frame.blobs),
          });
        };
        if (!party) {
          // a hello counts for the party it names only if that party can still be admitted
          const { msg } = frame;
          const claimed = msg.type === 'hello' && config.parties.some((p) => p.id === msg.party) && !sockets.has(msg.party) ? msg.party : 'unknown';
          traceIn(claimed);
          party = await admit(ws, frame);
          if (party) clearTimer(helloTimer);
          return;
        }
        traceIn(from);
        ledger.record(frame.msg, frame.blobs);
        if (finished) return;
        if (frame.msg.type === 'error') return partyFailed(party, frame.msg.error);
        try {
          await job?.handle(party, frame);
          armPhaseTimer();
        } catch (err) {
          const fe = asFedError(err, 'CRYPTO_ERR_SEAL');
          if (fe.code.startsWith('PROTO_ERR')) {
            log.warn({ from: party, code: fe.code, err: fe.message }, 'message refused');
            await replyError(ws, party, fe);
          } else finish(fe);
        }
      });
    });
    ws.on('close', () => {
      clearTimer(helloTimer);
      pending.delete(ws);
      if (!party || sockets.get(party) !== ws) return;
      sockets.delete(party);
      log.info({ party }, 'party disconnected');
      if (!finished && !closed)
        finish(
          new FedError('JOB_ERR_PARTY_LOST', `party ${party} disconnected during phase "${job?.phase ?? 'join'}"; the job cannot finish without it`, {
            details: { party },
          }),
        );
    });
  };

  let joinTimer: NodeJS.Timeout | undefined;

  return {
    done,
    start: async () => {
      if (server) throw new Error('coordinator already started');
      const wss = new WebSocketServer({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 0, maxPayload: MAX_FRAME_BYTES });
      server = wss;
      wss.on('connection', onConnection);
      await new Promise<void>((resolve, reject) => {
        wss.once('listening', resolve);
        wss.once('error', reject);
      });
      wss.on('error', (err) => log.error({ err: err.message }, 'server error'));
      job = (config.kind === 'training' ? createTrainingJob : createScoringJob)({
        config,
        ckks: getCkks,
        logger: log.child({ module: 'job', jobId: config.jobId }),
        clock,
        signal: abort.signal,
        onEvent,
        send,
        finish,
        onRefusal: (party, wire) => {
          refusals.push({ party, code: wire.code, message: wire.message });
          onEvent({ event: 'refused', party, code: wire.code as ErrorCode, message: wire.message });
        },
      });
      joinTimer = setTimer(config.timeouts.joinMs, () => {
        const missing = config.parties.map((p) => p.id).filter((id) => !sockets.has(id));
        finish(new FedError('JOB_ERR_TIMEOUT', `not every party joined within ${config.timeouts.joinMs} ms; missing: ${missing.join(', ')}`));
      });
      const { port } = wss.address() as AddressInfo;
      const url = `ws://${opts.host ?? '127.0.0.1'}:${port}`;
      log.info({ url, jobId: config.jobId, parties: config.parties.length }, 'listening');
      onEvent({ event: 'listening', url });
      return { url, port };
    },
    close: async () => {
      if (closed) return;
      closed = true;
      abort.abort(new FedError('JOB_ERR_ABORTED', 'coordinator closed'));
      if (!finished) finish(new FedError('JOB_ERR_ABORTED', 'coordinator closed before the job finished'));
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const ws of [...sockets.values(), ...pending]) ws.close(CLOSE_DONE, 'coordinator closing');
      await new Promise<void>((resolve) => {
        if (!server) return resolve();
        // terminate stragglers that do not finish the closing handshake quickly
        const t = setTimeout(() => {
          for (const ws of server?.clients ?? []) ws.terminate();
        }, 2000);
        server.close(() => {
          clearTimeout(t);
          resolve();
        });
      });
      await done;
      ckks?.delete();
    },
  };
}
