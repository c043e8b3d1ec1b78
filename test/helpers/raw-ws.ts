/**
 * A WebSocket client written by hand on a raw TCP socket, for tests that must
 * misbehave below what the `ws` library allows: never read, stop mid-upgrade,
 * or send frames far past any sane size.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { decodeCoordinatorFrame } from '@fedrisk/shared';
import { WebSocket } from 'ws';

/** One client-to-server frame (FIN set, masked as RFC 6455 requires). */
export function clientFrame(payload: Buffer, opcode = 0x1): Buffer {
  const mask = randomBytes(4);
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x80 | opcode, 0x80 | len]) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (len >= 126 && len < 65536) {
    head[0] = 0x80 | opcode;
    head[1] = 0x80 | 126;
    head.writeUInt16BE(len, 2);
  } else if (len >= 65536) {
    head[0] = 0x80 | opcode;
    head[1] = 0x80 | 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  const body = Buffer.allocUnsafe(len);
  for (let i = 0; i < len; i++) body[i] = (payload[i] as number) ^ (mask[i % 4] as number);
  return Buffer.concat([head, mask, body]);
}

/** Opens a TCP connection and completes the WebSocket upgrade; resolves once the server said 101. */
export async function rawUpgrade(port: number): Promise<Socket & AsyncDisposable> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  await once(socket, 'connect');
  socket.write(
    [
      'GET / HTTP/1.1',
      `Host: 127.0.0.1:${port}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
      'Sec-WebSocket-Version: 13',
      '',
      '',
    ].join('\r\n'),
  );
  let head = '';
  while (!head.includes('\r\n\r\n')) {
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    head += chunk.toString('latin1');
  }
  if (!head.startsWith('HTTP/1.1 101')) throw new Error(`upgrade refused: ${head.split('\r\n')[0]}`);
  return Object.assign(socket, {
    [Symbol.asyncDispose]: async () => {
      socket.destroy();
    },
  });
}

/** Peak and current resident memory of a process, in MB, from /proc. */
export function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

/** A `ws` client that queues every decoded reply, so a test can wait for the next one; disposing it waits for the close. */
export async function queuedClient(url: string) {
  const ws = new WebSocket(url);
  ws.on('error', () => {});
  const inbox: ReturnType<typeof decodeCoordinatorFrame>['msg'][] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (raw: Buffer, isBinary: boolean) => {
    inbox.push(decodeCoordinatorFrame(isBinary ? raw : raw.toString()).msg);
    waiters.shift()?.();
  });
  await once(ws, 'open');
  return {
    ws,
    send: (data: string | Buffer) => ws.send(data),
    next: async () => {
      if (!inbox.length) await new Promise<void>((r) => waiters.push(r));
      return inbox.shift() as (typeof inbox)[number];
    },
    [Symbol.asyncDispose]: async () => {
      if (ws.readyState === WebSocket.CLOSED) return;
      ws.terminate();
      await once(ws, 'close');
    },
  };
}
