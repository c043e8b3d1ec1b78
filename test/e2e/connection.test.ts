/**
 * A node's watch over its coordinator, over a real socket: a frame that takes
 * longer to arrive than the silence allowed does not make the node give the
 * coordinator up, since the pings wait behind the frame and the bytes arriving
 * are what says it is alive (a million-business job sends frames of 64 MB).
 */
import { once } from 'node:events';
import { createConnection } from '@fedrisk/node';
import { type CoordinatorMessage, decodeNodeFrame, encodeFrame, type FedError, silentLogger } from '@fedrisk/shared';
import { describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { throttledProxy } from '../helpers/throttle.ts';

describe("a node's heartbeat watch", () => {
  it('a coordinator sending a frame that takes longer to arrive than the silence allowed is not taken for gone', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(wss, 'listening');
    const replies: string[] = [];
    let replied!: () => void;
    const gotReply = new Promise<void>((r) => {
      replied = r;
    });
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
