/**
 * The coordinator's listening socket: an HTTP server that only upgrades to
 * WebSocket, with the limits an open port needs. A connection must finish
 * its upgrade quickly, only so many may wait for admission at once, and a
 * connection that has not been admitted may send only a small hello.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from '@fedrisk/shared';
import { type WebSocket, WebSocketServer } from 'ws';

/** Connections that may wait for admission at once; more are refused and logged. */
const MAX_PENDING_CONNECTIONS = 256;
/** Bytes a connection may send before it is admitted: a hello is a few hundred. */
const MAX_PREADMISSION_BYTES = 16 * 1024;

export interface ListenerOptions {
  host: string;
  port: number;
  maxPayload: number;
  /** an upgrade (and then a hello) must complete within this */
  helloMs: number;
  /** TLS key and certificate (PEM): the listener speaks wss:// and the parties can check who they talk to */
  tls?: { key: string; cert: string } | undefined;
  logger: Logger;
  onConnection(ws: WebSocket, req: IncomingMessage, admitted: () => boolean, markAdmitted: () => void): void;
}

export interface Listener {
  readonly url: string;
  readonly port: number;
  /** stops accepting; terminates every socket still open after a grace period */
  close(graceMs?: number): Promise<void>;
}

export async function listen(opts: ListenerOptions): Promise<Listener> {
  const { logger } = opts;
  const refuse: Parameters<typeof createServer>[1] = (_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('fedrisk coordinator: WebSocket only\n');
  };
  const http: Server = opts.tls ? createTlsServer({ key: opts.tls.key, cert: opts.tls.cert, handshakeTimeout: opts.helloMs }, refuse) : createServer(refuse);
  // a client that never finishes its request line or headers is dropped
  http.headersTimeout = opts.helloMs;
  http.requestTimeout = opts.helloMs;
  http.setTimeout(opts.helloMs, (socket) => socket.destroy());
  /** every open TCP connection; those admitted are counted apart, since with TLS the admitted socket is a wrapper */
  const pending = new Set<Socket>();
  let admittedOpen = 0;
  let refused = 0;
  http.on('connection', (socket: Socket) => {
    socket.on('error', () => {}); // reported through the WebSocket, or the socket simply goes
    if (pending.size - admittedOpen >= MAX_PENDING_CONNECTIONS) {
      refused++;
      // one line per hundred refusals: a flood must not become a flood of log lines
      if (refused % 100 === 1) logger.warn({ pending: pending.size, refused }, 'too many connections waiting for admission; refusing');
      socket.destroy();
      return;
    }
    pending.add(socket);
    socket.once('close', () => pending.delete(socket));
  });
  const wss = new WebSocketServer({ server: http, maxPayload: opts.maxPayload });
  wss.on('error', (err) => logger.error({ err: err.message }, 'server error'));
  wss.on('connection', (ws, req) => {
    const socket = req.socket;
    let admitted = false;
    // count what an unadmitted client sends at the TCP level, before ws buffers a whole frame
    let received = 0;
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (!admitted && received > MAX_PREADMISSION_BYTES) {
        logger.warn({ bytes: received }, 'closing a connection that sent too much before hello');
        ws.terminate();
      }
    };
    socket.on('data', onData);
    opts.onConnection(
      ws,
      req,
      () => admitted,
      () => {
        admitted = true;
        admittedOpen++;
        ws.once('close', () => admittedOpen--);
        socket.off('data', onData);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port, opts.host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  http.on('error', (err) => logger.error({ err: err.message }, 'server error'));
  const { port } = http.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `${opts.tls ? 'wss' : 'ws'}://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`,
    port,
    close: (graceMs = 2000) => {
      closing ??= new Promise<void>((resolve) => {
        wss.close();
        // sockets that do not finish their closing handshake in time are cut
        const t = setTimeout(() => {
          for (const ws of wss.clients) ws.terminate();
          for (const s of pending) s.destroy();
          http.closeAllConnections();
        }, graceMs);
        http.close(() => {
          clearTimeout(t);
          resolve();
        });
        http.closeIdleConnections();
      });
      return closing;
    },
  };
}
