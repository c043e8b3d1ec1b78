/**
 * The live view server: one page on 127.0.0.1 (page/index.html, app.js,
 * style.css, and the label table as /i18n.json) and a WebSocket at /ws that
 * pushes every published event to the page. The server keeps the history and
 * sends it to each page that connects, so a reload shows the same state. The
 * page's controls drive the stepper: pause/resume, run/step mode, next, speed.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { type WebSocket, WebSocketServer } from 'ws';
import { phaseOfMessage, safePreview, type ViewEvent } from './events.ts';
import { LABELS } from './i18n.ts';
import { Stepper, type StepperOptions, type StepperState } from './stepper.ts';

export interface ViewServerOptions {
  /** port on 127.0.0.1; 0 (the default) picks a free one */
  port?: number;
  /** the stepper's starting mode, speed and pause */
  stepper?: StepperOptions;
  /** events kept for pages that connect later (default 100,000; the oldest are dropped beyond) */
  maxHistory?: number;
}

export interface ViewServer {
  start(): Promise<{ url: string }>;
  publish(event: ViewEvent): void;
  readonly stepper: Stepper;
  /** the page's address once started */
  readonly url: string | undefined;
  /** every event published so far, as the page receives them */
  readonly history: readonly ViewEvent[];
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** What the page sends: its controls. */
type PageCommand = { t: 'next' } | { t: 'pause' } | { t: 'resume' } | { t: 'mode'; mode: 'run' | 'step' } | { t: 'speed'; speed: number };

/** What the server sends to the page. */
type ServerMessage =
  | { t: 'hello'; history: readonly ViewEvent[]; state: StepperState }
  | { t: 'event'; event: ViewEvent }
  | { t: 'state'; state: StepperState };

const PAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'page');
const PAGE_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};
/** a page that falls this far behind is dropped; it reconnects and gets the history again */
const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;

export function createViewServer(opts: ViewServerOptions = {}): ViewServer {
  const stepper = new Stepper(opts.stepper);
  const maxHistory = opts.maxHistory ?? 100_000;
  const history: ViewEvent[] = [];
  const pages = new Map<string, Buffer>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  let http: Server | undefined;
  let port = 0;
  let url: string | undefined;
  let currentPhase: string | undefined;
  let closing: Promise<void> | undefined;
  let closed = false;

  const hostOk = (host: string | undefined) => host === `127.0.0.1:${port}` || host === `localhost:${port}`;
  const originOk = (origin: string | undefined) => origin === undefined || origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;

  function send(ws: WebSocket, msg: ServerMessage): void {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      ws.terminate();
      return;
    }
    ws.send(JSON.stringify(msg));
  }

  const broadcast = (msg: ServerMessage) => {
    for (const ws of wss.clients) send(ws, msg);
  };

  /** Fills in a message's phase and keeps a preview only if it is safe to show. */
  function normalise(event: ViewEvent): ViewEvent {
    switch (event.event) {
      case 'message': {
        const { preview, phase, ...rest } = event;
        const shown = safePreview(event.type, preview);
        const inPhase = phase ?? currentPhase ?? phaseOfMessage(event.type);
        return { ...rest, ...(inPhase ? { phase: inPhase } : {}), ...(shown ? { preview: shown } : {}) };
      }
      case 'phase-start':
        currentPhase = event.name;
        return event;
      case 'phase':
        if (currentPhase === event.name) currentPhase = undefined;
        return event;
      case 'job':
      case 'run':
        currentPhase = undefined;
        return event;
      default:
        return event;
    }
  }

  function publish(event: ViewEvent): void {
    if (closed) return;
    const e = normalise(event);
    history.push(e);
    if (history.length > maxHistory) history.splice(0, history.length - maxHistory);
    broadcast({ t: 'event', event: e });
  }

  stepper.onPass((point) => {
    if (point.kind === 'phase') publish({ event: 'phase-start', name: point.name });
  });
  stepper.onChange((state) => broadcast({ t: 'state', state }));

  function command(raw: unknown): void {
    let msg: PageCommand;
    try {
      msg = JSON.parse(String(raw)) as PageCommand;
    } catch {
      return;
    }
    switch (msg?.t) {
      case 'next':
        stepper.next();
        return;
      case 'pause':
        stepper.pause();
        return;
      case 'resume':
        stepper.resume();
        return;
      case 'mode':
        if (msg.mode === 'run' || msg.mode === 'step') stepper.mode = msg.mode;
        return;
      case 'speed':
        if (typeof msg.speed === 'number') stepper.speed = msg.speed;
        return;
      default:
        return;
    }
  }

  wss.on('connection', (ws) => {
    ws.on('error', () => ws.terminate());
    ws.on('message', (data) => command(data));
    send(ws, { t: 'hello', history, state: stepper.state() });
  });
  wss.on('error', () => {});

  function handle(req: IncomingMessage, res: ServerResponse): void {
    req.on('error', () => {});
    res.on('error', () => {});
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const page = PAGE_FILES[path];
    const body = page && pages.get(page.file);
    if (!hostOk(req.headers.host)) reply(res, 421, 'text/plain; charset=utf-8', 'unexpected Host header\n');
    else if (req.method !== 'GET' && req.method !== 'HEAD') reply(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    else if (path === '/i18n.json') reply(res, 200, 'application/json; charset=utf-8', JSON.stringify(LABELS));
    else if (path === '/favicon.ico') reply(res, 204, 'text/plain', '');
    else if (page && body) reply(res, 200, page.type, body);
    else reply(res, 404, 'text/plain; charset=utf-8', 'not found\n');
  }

  function reply(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
    res.writeHead(status, {
      'content-type': type,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'content-security-policy': `default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}; img-src 'self' data:`,
    });
    res.end(res.req.method === 'HEAD' ? undefined : body);
  }

  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (closed || path !== '/ws' || !hostOk(req.headers.host) || !originOk(req.headers.origin)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  }

  let starting: Promise<{ url: string }> | undefined;
  function start(): Promise<{ url: string }> {
    if (closed) return Promise.reject(new Error('the view server is closed'));
    starting ??= listen().catch((err: unknown) => {
      starting = undefined;
      throw err;
    });
    return starting;
  }

  async function listen(): Promise<{ url: string }> {
    for (const { file } of Object.values(PAGE_FILES)) if (!pages.has(file)) pages.set(file, await readFile(join(PAGE_DIR, file)));
    const server = createServer(handle);
    http = server;
    server.on('upgrade', upgrade);
    server.on('clientError', (_err, socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', () => {});
    port = (server.address() as AddressInfo).port;
    url = `http://127.0.0.1:${port}/`;
    return { url };
  }

  function close(): Promise<void> {
    closing ??= (async () => {
      closed = true;
      stepper.close();
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      const server = http;
      if (server?.listening) {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
      }
    })();
    return closing;
  }

  return {
    start,
    publish,
    stepper,
    get url() {
      return url;
    },
    get history() {
      return history;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
