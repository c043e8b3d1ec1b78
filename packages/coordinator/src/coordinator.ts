/**
 * The coordinator: admits the parties a job lists, validates every frame at the socket and runs the job on one
 * queue in arrival order, so no step runs twice because two messages raced (issue 8). It holds public parameters only.
 */
import type { IncomingMessage } from 'node:http';
import {
  asFedError,
  bounded,
  type CkksContext,
  type CoordinatorConfig,
  type CoordinatorMessage,
  ciphertextPreview,
  coordinatorConfigSchema,
  createCkksContext,
  createLinkShaper,
  decodeNodeFrame,
  describeMessage,
  type EventSink,
  FedError,
  type Frame,
  isShaped,
  type JobRecord,
  KeyMaterialLog,
  KnowledgeLedger,
  LinkMeter,
  MAX_FRAME_BYTES,
  type NodeMessage,
  type Outgoing,
  type WireError,
  wireToError,
} from '@fedrisk/shared';
import type { WebSocket } from 'ws';
import { refuseHello } from './admission.ts';
import type { Coordinator, CoordinatorOptions } from './api.ts';
import { createCoordinatorAudit } from './audit.ts';
import { type Watched, watchHeartbeats } from './heartbeat.ts';
import { createHold, createHoldTimers, type TimerHandle } from './hold.ts';
import type { Job, NodeHandler } from './job.ts';
import { jobFor } from './jobs/index.ts';
import { CLOSE_AUTH, CLOSE_DONE, CLOSE_SILENT, CLOSE_STALLED, closeReason, createOutLink, type OutLink } from './links.ts';
import { type Listener, listen } from './listener.ts';
import { createPhaseClock } from './phase-clock.ts';

interface Party extends Watched {
  out: OutLink;
}

export function createCoordinator(opts: CoordinatorOptions): Coordinator {
  const parsed = coordinatorConfigSchema.safeParse(opts.config);
  if (!parsed.success) throw new FedError('CONFIG_ERR_INVALID', `coordinator config is invalid: ${parsed.error.issues[0]?.message}`);
  const config: CoordinatorConfig = parsed.data;
  const log = opts.logger.child({ module: 'coordinator' });
  const clock = opts.clock ?? (() => performance.now());
  const onEvent: EventSink = opts.onEvent ?? (() => {});
  const t0 = clock();
  const now = () => clock() - t0;
  const ledger = new KnowledgeLedger();
  const meter = new LinkMeter();
  const custody = new KeyMaterialLog();
  const refusals: JobRecord['refusals'] = [];
  const parties = new Map<string, Party>();
  const abort = new AbortController();
  const timers = createHoldTimers();
  // a class following the run holds it at each phase and message (opts.gate); the timers stand still meanwhile
  const hold = createHold(opts.gate, timers);
  // bytes in and queued out, by when they were caused: the phase clock records each phase's share
  let causedBytes = 0;
  const phases = createPhaseClock(
    clock,
    onEvent,
    log,
    () => causedBytes,
    (name) => void hold.at({ kind: 'phase', name }),
  );
  let listener: Listener | undefined;
  let job: Job | undefined;
  let finished = false;
  let closed = false;
  let closing: Promise<void> | undefined;
  let phaseTimer: TimerHandle | undefined;
  let joinTimer: TimerHandle | undefined;
  let stopHeartbeats: (() => void) | undefined;
  /** every party's messages, handled one at a time in arrival order */
  let inbox = Promise.resolve();
  let resolveDone!: (r: JobRecord) => void;
  const done = new Promise<JobRecord>((resolve) => {
    resolveDone = resolve;
  });
  // made on first use (aggregation): the parties check the job's parameters themselves, and refuse them if insecure
  let ckks: CkksContext | undefined;
  const getCkks = (): CkksContext => {
    ckks ??= createCkksContext(opts.seal, config.ckks);
    return ckks;
  };

  const { wait } = timers;
  const shaper = isShaped(config.network) ? createLinkShaper(config.network, clock) : undefined;
  const linkDeps = {
    logger: log,
    meter,
    onEvent,
    now,
    shaper,
    wait,
    onQueued: (bytes: number) => {
      causedBytes += bytes;
    },
    hold: hold.at,
    onStalled: (party: string, unread: number) => {
      log.warn({ party, unread }, 'party does not read what it is sent; closing its connection');
      parties.get(party)?.ws.close(CLOSE_STALLED, 'not reading');
    },
  };

  const send = (party: string, msg: Outgoing<CoordinatorMessage>, blobs?: readonly Uint8Array[]): void => {
    const p = parties.get(party);
    if (!p) throw new FedError('JOB_ERR_PARTY_LOST', `party ${party} is not connected`);
    audit?.sent(party, msg, blobs ?? []);
    void p.out.send(msg, blobs);
  };

  const g = opts.governance;
  const setTimer = (ms: number, fn: () => void): void => void timers.set(ms, fn);
  const audit = g && createCoordinatorAudit({ config, ...g, now: g.now ?? (() => new Date()), logger: log, send, setTimer });

  const finish = (error?: FedError): void => {
    if (finished) return;
    // the work is done: every participant countersigns every head before the job ends
    if (!error && audit && !audit.sealing) {
      audit.seal(() => finish());
      return;
    }
    finished = true;
    timers.clear(phaseTimer);
    timers.clear(joinTimer);
    phases.close();
    if (error) log.error({ code: error.code, err: error.message }, 'job failed');
    else log.info('job finished');
    const end: Outgoing<CoordinatorMessage> = error
      ? { type: 'job.end', jobId: config.jobId, ok: false, error: error.toWire() }
      : { type: 'job.end', jobId: config.jobId, ok: true };
    // job.end leaves after everything already queued to each party
    for (const id of parties.keys()) audit?.sent(id, end, []);
    audit?.close(!error, error?.code);
    const flushed = [...parties.values()].map((p) => p.out.send(end));
    void Promise.all(flushed).then(() => {
      onEvent({ event: 'done', ok: !error });
      resolveDone({
        jobId: config.jobId,
        ok: !error,
        ...(error ? { error: error.toWire() } : {}),
        phases: [...phases.phases],
        links: meter.toJSON(),
        ledger: ledger.toJSON(),
        keyMaterial: custody.toJSON(),
        refusals,
        ...(config.attack ? { learned: job?.learned?.() ?? {} } : {}),
      });
    });
  };

  const armPhaseTimer = (): void => {
    timers.clear(phaseTimer);
    const atArm = phases.current;
    phaseTimer = timers.set(config.timeouts.phaseMs, () => {
      if (!job || finished) return;
      if (phases.current !== atArm) return armPhaseTimer();
      const waiting = job.waitingFor().join(', ') || 'nobody';
      finish(new FedError('JOB_ERR_TIMEOUT', `phase "${phases.current}" took longer than ${config.timeouts.phaseMs} ms; still waiting for ${waiting}`));
    });
  };

  const partyFailed = (party: string, wire: WireError): void => {
    const err = wireToError(wire);
    refusals.push({ party, code: err.code, message: err.message });
    onEvent({ event: 'refused', party, code: err.code, message: err.message });
    finish(new FedError(err.code, `party ${party} stopped the job: ${err.message}`, { details: { party } }));
  };

  /** One admitted party's message, in the job's single queue. */
  const dispatch = async (party: string, frame: Frame<NodeMessage>): Promise<void> => {
    const { msg, blobs } = frame;
    if (finished) return;
    const out = parties.get(party)?.out;
    try {
      if (msg.type === 'error') return partyFailed(party, msg.error);
      if ('jobId' in msg && msg.jobId !== undefined && msg.jobId !== config.jobId)
        throw new FedError('PROTO_ERR_UNEXPECTED', `job id ${bounded(msg.jobId, 64)} is not the running job ${config.jobId}`);
      if (audit?.handles(msg) && phases.current !== 'join') return audit.handle(party, msg, blobs);
      const handler = job?.handlers[msg.type] as NodeHandler<typeof msg.type> | undefined;
      if (!handler || phases.current === 'join') throw phases.unexpected(party, msg.type);
      await handler(party, msg as never, blobs);
      armPhaseTimer();
    } catch (err) {
      const fe = asFedError(err, 'CRYPTO_ERR_SEAL');
      if (fe.code.startsWith('PROTO_ERR') && out) {
        log.warn({ from: party, code: fe.code, err: fe.message }, 'message refused');
        await out.refuse(fe);
      } else finish(fe);
    }
  };

  const begin = (): void => {
    timers.clear(joinTimer);
    armPhaseTimer();
    try {
      job?.begin();
    } catch (err) {
      finish(asFedError(err, 'JOB_ERR_INTERNAL'));
    }
  };

  const admit = (ws: WebSocket, out: OutLink, frame: Frame<NodeMessage>): string | undefined => {
    const { msg } = frame;
    const ended = finished || closed ? new FedError('JOB_ERR_ABORTED', 'the job has already ended') : undefined;
    const refused = refuseHello(config, parties, msg) ?? audit?.refuse(msg) ?? ended;
    if (refused?.code === 'AUTH_ERR_SUSPENDED') finish(refused);
    if (refused || msg.type !== 'hello') {
      log.warn({ code: refused?.code }, 'admission refused');
      void out.refuse(refused ?? new FedError('AUTH_ERR_REJECTED', 'hello first')).then(() => ws.close(CLOSE_AUTH, 'not admitted'));
      return undefined;
    }
    out.name = msg.party;
    parties.set(msg.party, { ws, out, lastHeard: clock() });
    audit?.admitted(msg.party, msg.role);
    ledger.record(msg, frame.blobs);
    log.info({ party: msg.party, role: msg.role, joined: parties.size, of: config.parties.length }, 'party joined');
    onEvent({ event: 'joined', party: msg.party });
    void out.send({ type: 'welcome', party: msg.party });
    if (parties.size === config.parties.length && phases.current === 'join') inbox = inbox.then(begin);
    return msg.party;
  };

  const partyClosed = (party: string, ws: WebSocket, code: number, reason: string): void => {
    if (parties.get(party)?.ws !== ws) return;
    parties.delete(party);
    log.info({ party, code }, 'party disconnected');
    if (finished || closed) return;
    // before the job starts, a party that drops may simply join again
    if (phases.current === 'join') return;
    const lost = `party ${party} disconnected during phase "${phases.current}"${closeReason(code, reason, config.timeouts.silenceMs)}`;
    finish(new FedError('JOB_ERR_PARTY_LOST', `${lost}; the job cannot finish without it`, { details: { party } }));
  };

  const onConnection = (ws: WebSocket, req: IncomingMessage, isAdmitted: () => boolean, markAdmitted: () => void): void => {
    let party: string | undefined;
    const out = createOutLink(ws, linkDeps);
    ws.on('error', (err) => log.warn({ party, err: bounded(err.message, 300) }, 'socket error'));
    const heard = () => {
      const p = party ? parties.get(party) : undefined;
      if (p) p.lastHeard = clock();
    };
    // any byte from the party means it is alive: a frame of many megabytes outlasts the silence allowed, and its pong waits behind it
    req.socket.on('data', heard);
    const helloTimer = timers.set(config.timeouts.helloMs, () => {
      if (isAdmitted()) return;
      log.warn({ ms: config.timeouts.helloMs }, 'closing a connection that did not say hello in time');
      ws.terminate();
    });
    // per socket: simulated travel, then decoding, in order; then the job's single queue
    let chain = Promise.resolve();
    ws.on('message', (raw: Buffer, isBinary: boolean) => {
      chain = chain
        .then(async () => {
          const from = party ?? 'unknown';
          const ms = party ? (shaper?.delay(party, 'up', raw.length) ?? 0) : 0;
          if (ms > 0) await wait(ms);
          opts.onRawFrame?.(from, raw);
          let frame: Frame<NodeMessage>;
          try {
            frame = decodeNodeFrame(isBinary ? raw : raw.toString('utf8'));
          } catch (err) {
            const fe = asFedError(err, 'PROTO_ERR_MALFORMED');
            meter.add(from, 'coordinator', raw.length);
            log.warn({ from, code: fe.code, err: fe.message }, 'bad frame');
            await out.refuse(fe);
            if (!party) ws.close(CLOSE_AUTH, 'hello first'); // before admission only a valid hello is accepted
            return;
          }
          const { msg } = frame;
          await hold.at({ kind: 'message', name: msg.type, from: party ?? (msg.type === 'hello' ? msg.party : 'unknown'), to: 'coordinator' });
          if (!party) {
            // a hello counts as the traffic of the party it names only once that party is admitted
            const admittedAs = admit(ws, out, frame);
            traceIn(admittedAs ?? 'unknown', frame);
            if (admittedAs) {
              party = admittedAs;
              markAdmitted();
              timers.clear(helloTimer);
            }
            return;
          }
          traceIn(party, frame);
          heard();
          ledger.record(msg, frame.blobs);
          audit?.received(party, msg, frame.blobs);
          const who = party;
          inbox = inbox.then(() => dispatch(who, frame));
        })
        .catch((err: unknown) => log.error({ party, err: bounded(String((err as Error)?.message ?? err), 300) }, 'frame handling failed'));
    });
    ws.on('pong', heard);
    ws.on('close', (code: number, reason: Buffer) => {
      timers.clear(helloTimer);
      if (!party) return;
      const who = party;
      // after every frame this party sent before it left: its own error explains the close
      chain = chain.then(() => {
        inbox = inbox.then(() => partyClosed(who, ws, code, reason.toString('utf8')));
      });
    });
  };

  const traceIn = (from: string, frame: Frame<NodeMessage>): void => {
    meter.add(from, 'coordinator', frame.bytes);
    causedBytes += frame.bytes;
    onEvent({
      event: 'message',
      at: now(),
      from,
      to: 'coordinator',
      type: frame.msg.type,
      bytes: frame.bytes,
      summary: describeMessage(frame.msg, frame.blobs),
      preview: ciphertextPreview(frame.msg.type, frame.blobs),
    });
  };

  const close = (): Promise<void> => {
    closing ??= (async () => {
      hold.release();
      if (!finished) finish(new FedError('JOB_ERR_ABORTED', 'coordinator closed before the job finished'));
      // job.end reaches every party before the sockets close (bounded: a stuck link does not hold shutdown)
      await Promise.race([done, wait(5000)]);
      closed = true;
      abort.abort(new FedError('JOB_ERR_ABORTED', 'coordinator closed'));
      stopHeartbeats?.();
      timers.clearAll();
      for (const p of parties.values()) p.ws.close(CLOSE_DONE, 'coordinator closing');
      await listener?.close();
      await inbox;
      job?.dispose?.();
      ckks?.delete();
      ckks = undefined;
    })();
    return closing;
  };

  return {
    done,
    start: async () => {
      if (listener) throw new FedError('JOB_ERR_INTERNAL', 'coordinator already started');
      listener = await listen({
        host: opts.host ?? '127.0.0.1',
        port: opts.port ?? 0,
        maxPayload: MAX_FRAME_BYTES,
        helloMs: config.timeouts.helloMs,
        tls: opts.tls,
        logger: log,
        onConnection,
      });
      job = jobFor(config)({
        config,
        ckks: getCkks,
        logger: log.child({ module: 'job', jobId: config.jobId }),
        phases,
        signal: abort.signal,
        onEvent,
        custody,
        ledger,
        send,
        finish,
        onRefusal: (party, wire) => {
          refusals.push({ party, code: wire.code, message: wire.message });
          onEvent({ event: 'refused', party, code: wire.code, message: wire.message });
        },
      });
      joinTimer = timers.set(config.timeouts.joinMs, () => {
        const missing = config.parties.map((p) => p.id).filter((id) => !parties.has(id));
        finish(new FedError('JOB_ERR_TIMEOUT', `not every party joined within ${config.timeouts.joinMs} ms; missing: ${missing.join(', ')}`));
      });
      stopHeartbeats = watchHeartbeats(parties, {
        everyMs: config.timeouts.heartbeatMs,
        silenceMs: config.timeouts.silenceMs,
        clock,
        onSilent: (party, p, silentMs) => {
          log.warn({ party, silentMs: Math.round(silentMs) }, 'party stopped answering');
          p.ws.close(CLOSE_SILENT, 'no heartbeat');
          p.ws.terminate();
        },
      });
      log.info({ url: listener.url, jobId: config.jobId, parties: config.parties.length }, 'listening');
      onEvent({ event: 'listening', url: listener.url });
      void hold.at({ kind: 'phase', name: 'join' });
      return { url: listener.url, port: listener.port };
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
