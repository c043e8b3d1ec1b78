/** A TCP relay to a local port that carries at most so many bytes a second each way (a slow link, for liveness tests). */
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';

function throttle(from: Socket, to: Socket, bytesPerSecond: number | undefined): void {
  if (!bytesPerSecond) {
    from.pipe(to);
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  from.once('close', () => clearTimeout(timer));
  from.on('data', (chunk: Buffer) => {
    from.pause();
    to.write(chunk);
    timer = setTimeout(() => from.resume(), (chunk.length / bytesPerSecond) * 1000);
  });
}

/** `up`: client to target; `down`: target to client; a direction left out is not limited. */
export async function throttledProxy(port: number, rate: { up?: number; down?: number }) {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const target = connect(port, '127.0.0.1');
    for (const s of [client, target]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => (s === client ? target : client).destroy());
    }
    throttle(client, target, rate.up);
    throttle(target, client, rate.down);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    [Symbol.asyncDispose]: async () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}
