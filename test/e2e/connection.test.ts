/**
 * A node's watch over its coordinator, over a real socket: a frame that takes
 * longer to arrive than the silence allowed does not make the node give the
 * coordinator up, since the pings wait behind the frame and the bytes arriving
 * are what says it is alive (a million-business job sends frames of 64 MB).
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { createConnection } from '@fedrisk/node';
import { createRunCa } from '@fedrisk/runner';
import { type CoordinatorMessage, decodeNodeFrame, encodeFrame, type FedError, silentLogger } from '@fedrisk/shared';
import { describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { throttledProxy } from '../helpers/throttle.ts';

describe("a node's heartbeat watch", () => {
  it('a coordinator sending a frame that takes longer to arrive than the silence allowed is not taken for gone', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(wss, 'listening');
    const replies: string[] = [];
    const { promise: gotReply, resolve: replied } = Promise.withResolvers<void>();
    wss.on('connection', (ws) => {
      ws.on('error', () => {});
      const ping = setInterval(() => ws.ping(), 100);
      ws.once('close', () => clearInterval(ping));
      ws.on('message', (raw: Buffer) => {
        const { msg } = decodeNodeFrame(raw);
        if (msg.type === 'hello') {
          ws.send(encodeFrame<CoordinatorMessage>({ type: 'welcome', party: 'bank' }));
          // 12 MB that are not a frame: the node answers with a coded error once all of it has arrived
          ws.send(Buffer.alloc(12 * 1024 * 1024, 0x42));
          return;
        }
        replies.push(msg.type === 'error' ? msg.error.code : msg.type);
        replied();
      });
    });
    const port = (wss.address() as { port: number }).port;
    await using proxy = await throttledProxy(port, { down: 4 * 1024 * 1024 });
    let lost: FedError | undefined;
    const conn = createConnection({
      url: `ws://127.0.0.1:${proxy.port}`,
      hello: { type: 'hello', party: 'bank', role: 'bank', token: 'a-credential-that-is-long-enough' },
      logger: silentLogger(),
      silenceMs: 600,
      onFrame: async () => {},
      onLost: (e) => {
        lost = e;
        replied();
      },
      onJobEnd: () => {},
    });
    try {
      await conn.open();
      const t0 = performance.now();
      await gotReply;
      // the old watch gave up after 0.6 s: "the coordinator stopped answering"
      expect(lost?.message).toBeUndefined();
      expect(replies).toEqual(['PROTO_ERR_MALFORMED']);
      expect(performance.now() - t0).toBeGreaterThan(1500);
    } finally {
      await conn.close(1000, 'done');
      for (const c of wss.clients) c.terminate();
      wss.close();
    }
  });
});

/** The first WebSocket frame a node sends to `server` (a bare upgrade, no ws server: the bytes as they left the node, TLS removed). */
async function firstFrameTo(server: Server, url: (port: number) => string, ca?: string): Promise<Buffer> {
  const frame = new Promise<Buffer>((resolve) => {
    server.on('upgrade', (req, socket: Socket) => {
      const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
      let bytes = Buffer.alloc(0);
      socket.on('error', () => {});
      socket.on('data', (d: Buffer) => {
        bytes = Buffer.concat([bytes, d]);
        if (bytes.length >= 6) resolve(bytes);
      });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const conn = createConnection({
    url: url((server.address() as AddressInfo).port),
    ca,
    hello: { type: 'hello', party: 'bank', role: 'bank', token: 'a-credential-that-is-long-enough' },
    logger: silentLogger(),
    silenceMs: 10_000,
    onFrame: async () => {},
    onLost: () => {},
    onJobEnd: () => {},
  });
  conn.open().catch(() => {}); // never admitted: the frame is all this test wants
  try {
    return await frame;
  } finally {
    conn.terminate();
    server.closeAllConnections();
    server.close();
  }
}

describe("a node's uploads", () => {
  it('inside TLS carry an all-zero mask (nothing for ws to XOR or copy); over plain ws they are masked', async () => {
    const ca = createRunCa('mask-test');
    const { certPem, keyPem } = ca.issue(['127.0.0.1']);
    const maskOf = (frame: Buffer) => {
      // a client frame says it is masked either way; the hello is short, so the mask follows the two header bytes
      expect((frame[1] as number) & 0x80).toBe(0x80);
      expect((frame[1] as number) & 0x7f).toBeLessThan(126);
      return [...frame.subarray(2, 6)];
    };
    const tls = await firstFrameTo(createHttpsServer({ cert: certPem, key: keyPem }), (port) => `wss://127.0.0.1:${port}`, ca.certPem);
    expect(maskOf(tls)).toEqual([0, 0, 0, 0]);
    const plain = await firstFrameTo(createHttpServer(), (port) => `ws://127.0.0.1:${port}`);
    expect(maskOf(plain)).not.toEqual([0, 0, 0, 0]);
  });
});
