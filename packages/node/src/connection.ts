/**
 * A node's link to the coordinator: the socket, admission (hello, then
 * welcome or a coded refusal), sends in order, frames decoded and handed on
 * one at a time, and a watch on the coordinator's heartbeat so a coordinator
 * that stops answering is noticed within seconds.
 */
import {
  asFedError,
  bounded,
  type CoordinatorMessage,
  decodeCoordinatorFrame,
  encodeFrame,
  FedError,
  type Frame,
  type Logger,
  MAX_FRAME_BYTES,
  type NodeMessage,
  type Outgoing,
  wireToError,
} from '@fedrisk/shared';
import { WebSocket } from 'ws';

/** Replies a node leaves queued for a coordinator that does not read them, before it stops replying. */
const MAX_UNANSWERED_BYTES = 16 * 1024 * 1024;

export interface ConnectionOptions {
  url: string;
  hello: Outgoing<NodeMessage & { type: 'hello' }>;
  logger: Logger;
  /** a coordinator silent for longer than this (no frame, no ping) is gone */
  silenceMs: number;
  /** the CA (PEM) that must have issued the coordinator's certificate, for wss:// */
  ca?: string | undefined;
  /** every decoded frame, in order; the next one waits until this settles */
  onFrame(frame: Frame<CoordinatorMessage>): Promise<void>;
  /** the link is gone for good (closed by either side, or the coordinator went silent) */
  onLost(error: FedError): void;
  /**
   * the coordinator ended the job: called as soon as job.end arrives, before
   * earlier frames are handled, so a send that fails because the coordinator
   * closed right after is not mistaken for the reason the job ended
   */
  onJobEnd(ok: boolean, error: FedError | undefined): void;
  /** sees every raw frame (privacy tests capture them) */
  onRawFrame?: ((raw: Buffer) => void) | undefined;
}

export interface Connection {
  /** connects and says hello; resolves when admitted, rejects with the coordinator's refusal or the network error */
  open(): Promise<void>;
  send(msg: Outgoing<NodeMessage>, blobs?: readonly Uint8Array[]): Promise<void>;
  /** closes with a code and a short reason the coordinator logs; idempotent */
  close(code: number, reason: string): Promise<void>;
  /** drops the link at once, as a crash would */
  terminate(): void;
}

export function createConnection(o: ConnectionOptions): Connection {
  let ws: WebSocket | undefined;
  let chain = Promise.resolve();
  let lost = false;
  let lastHeard = performance.now();
  let watch: NodeJS.Timeout | undefined;
  const loseWith = (error: FedError): void => {
    if (lost) return;
    lost = true;
    clearInterval(watch);
    o.onLost(error);
  };
  const send = (msg: Outgoing<NodeMessage>, blobs: readonly Uint8Array[] = []): Promise<void> => {
    const socket = ws;
    if (!socket || socket.readyState !== WebSocket.OPEN) return Promise.reject(new FedError('JOB_ERR_PARTY_LOST', 'not connected to the coordinator'));
    const frame = encodeFrame<NodeMessage>(msg, blobs);
    return new Promise((resolve, reject) => {
      socket.send(frame, (err) => (err ? reject(new FedError('JOB_ERR_PARTY_LOST', `send failed: ${err.message}`, { cause: err })) : resolve()));
    });
  };
  return {
    open: () =>
      new Promise<void>((resolve, reject) => {
        const socket = new WebSocket(o.url, {
          maxPayload: MAX_FRAME_BYTES,
          handshakeTimeout: o.silenceMs,
          ...(o.ca ? { ca: o.ca } : {}),
          // Masking (RFC 6455 10.3) keeps a browser's script from steering what a proxy reads off the wire; inside TLS
          // no proxy reads the frames, and this client runs no one else's script. A zero mask lets ws skip XOR-ing and
          // copying every upload (1.5 s of CPU per party for its 64 MB input at a million businesses).
          ...(o.url.startsWith('wss:') ? { generateMask: (mask: Buffer) => void mask.fill(0) } : {}),
        });
        ws = socket;
        let admitted = false;
        socket.on('error', (err) => {
          o.logger.warn({ err: bounded(err.message, 300) }, 'socket error');
          if (!admitted) reject(new FedError('JOB_ERR_PARTY_LOST', `cannot reach the coordinator at ${o.url}: ${err.message}`, { cause: err }));
        });
        socket.on('open', () => {
          lastHeard = performance.now();
          const every = Math.max(50, Math.min(1000, o.silenceMs / 4));
          let lastCheck = performance.now();
          watch = setInterval(() => {
            const now = performance.now();
            // a late check means this node's own loop was busy (a long computation): give the coordinator another round
            if (now - lastCheck > 2 * every) lastHeard = Math.max(lastHeard, now - every);
            lastCheck = now;
            const silent = now - lastHeard;
            if (silent <= o.silenceMs) return;
            o.logger.error({ silentMs: Math.round(silent) }, 'the coordinator stopped answering');
            loseWith(new FedError('JOB_ERR_PARTY_LOST', `the coordinator at ${o.url} stopped answering: nothing heard for ${Math.round(silent)} ms`));
            socket.terminate();
          }, every);
          send(o.hello).catch(reject);
        });
        socket.on('ping', () => {
          lastHeard = performance.now();
        });
        // any byte from the coordinator means it is alive: a frame of many megabytes takes longer to arrive
        // than the silence allowed, and the ping behind it waits
        socket.on('upgrade', (res) => {
          res.socket.on('data', () => {
            lastHeard = performance.now();
          });
        });
        socket.on('message', (raw: Buffer, isBinary: boolean) => {
          lastHeard = performance.now();
          if (admitted && raw.length < 16_384) {
            try {
              const { msg } = decodeCoordinatorFrame(isBinary ? raw : raw.toString('utf8'));
              if (msg.type === 'job.end') o.onJobEnd(msg.ok, msg.error ? wireToError(msg.error) : undefined);
            } catch {
              // decoded again, and reported, in order below
            }
          }
          chain = chain.then(async () => {
            o.onRawFrame?.(raw);
            let frame: Frame<CoordinatorMessage>;
            try {
              frame = decodeCoordinatorFrame(isBinary ? raw : raw.toString('utf8'));
            } catch (err) {
              // answered with its code, and the connection stays: the job decides what a bad peer means
              const fe = asFedError(err, 'PROTO_ERR_MALFORMED');
              o.logger.warn({ code: fe.code, err: fe.message }, 'bad frame from the coordinator');
              if (socket.readyState === WebSocket.OPEN && socket.bufferedAmount < MAX_UNANSWERED_BYTES)
                await send({ type: 'error', error: fe.toWire() }).catch(() => {});
              return;
            }
            const { msg } = frame;
            if (!admitted) {
              if (msg.type === 'welcome') {
                admitted = true;
                resolve();
              } else if (msg.type === 'error') {
                reject(wireToError(msg.error));
                return;
              } else {
                // nothing but the answer to hello means anything before it: refused, never acted on
                const fe = new FedError('PROTO_ERR_UNEXPECTED', `${msg.type} before welcome: the coordinator answers hello first`);
                o.logger.warn({ code: fe.code, err: fe.message }, 'frame before admission');
                if (socket.readyState === WebSocket.OPEN && socket.bufferedAmount < MAX_UNANSWERED_BYTES)
                  await send({ type: 'error', error: fe.toWire() }).catch(() => {});
                return;
              }
            }
            await o.onFrame(frame);
          });
        });
        socket.on('close', (code: number, reason: Buffer) => {
          clearInterval(watch);
          if (!admitted) reject(new FedError('JOB_ERR_PARTY_LOST', 'the coordinator closed the connection before admitting this party'));
          // after every frame that arrived before the close
          chain = chain.then(() =>
            loseWith(
              new FedError(
                'JOB_ERR_PARTY_LOST',
                `lost the connection to the coordinator (code ${code}${reason.length ? `: ${bounded(reason.toString(), 200)}` : ''})`,
              ),
            ),
          );
        });
      }),
    send,
    close: async (code, reason) => {
      clearInterval(watch);
      const socket = ws;
      if (!socket || socket.readyState === WebSocket.CLOSED) return;
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          socket.terminate();
          resolve();
        }, 2000);
        socket.once('close', () => {
          clearTimeout(t);
          resolve();
        });
        // a reason must fit in a close frame (123 bytes)
        socket.close(code, Buffer.from(reason).subarray(0, 120).toString());
      });
    },
    terminate: () => {
      clearInterval(watch);
      ws?.terminate();
    },
  };
}
