/** The view's stepper, server and replay, without a browser. */
import { request } from 'node:http';
import type { ViewEvent } from '@fedrisk/runner';
import { createViewServer, replayRun, replaySteps, Stepper, type ViewServer } from '@fedrisk/runner';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

const RUN = new URL('./fixtures/run-default/', import.meta.url).pathname;
const msg = (name: string) => ({ kind: 'message' as const, name });
const settled = async <T>(p: Promise<T>) => Promise.race([p.then(() => true), new Promise<boolean>((r) => setImmediate(() => r(false)))]);

describe('stepper', () => {
  it('run mode lets every point through at once; step mode one per next, oldest first', async () => {
    const s = new Stepper();
    expect(await settled(s.before(msg('hello')))).toBe(true);
    s.mode = 'step';
    const order: string[] = [];
    const a = s.before(msg('a')).then(() => order.push('a'));
    const b = s.before(msg('b')).then(() => order.push('b'));
    expect(await settled(a)).toBe(false);
    expect(s.state()).toMatchObject({ mode: 'step', queued: 2, waiting: { name: 'a' } });
    expect(s.next()).toBe(true);
    await a;
    expect(await settled(b)).toBe(false);
    expect(s.next()).toBe(true);
    await b;
    expect(order).toEqual(['a', 'b']);
    // a press with nothing waiting is not saved for later
    expect(s.next()).toBe(false);
    expect(await settled(s.before(msg('c')))).toBe(false);
    s.mode = 'run';
    expect(s.state().queued).toBe(0);
    s.close();
  });

  it('pause holds every point in either mode until resume; next does nothing while paused', async () => {
    const s = new Stepper({ paused: true });
    const p = s.before(msg('x'));
    expect(await settled(p)).toBe(false);
    expect(s.next()).toBe(false);
    s.resume();
    expect(await settled(p)).toBe(true);
    s.mode = 'step';
    s.pause();
    const q = s.before(msg('y'));
    s.resume();
    expect(await settled(q)).toBe(false);
    s.next();
    expect(await settled(q)).toBe(true);
    s.close();
  });

  it('delayMs follows the speed (400 ms per message at 0.25) and is 0 in step mode; close releases waiters and holds', async () => {
    const s = new Stepper({ speed: 0.25 });
    expect(s.delayMs(msg('m'))).toBe(400);
    expect(s.delayMs({ kind: 'phase', name: 'keys' })).toBe(1600);
    s.speed = 4;
    expect(s.delayMs(msg('m'))).toBe(25);
    s.speed = 1000;
    expect(s.speed).toBe(64);
    s.speed = 1 / 32;
    const held = s.pace(msg('slow'));
    s.mode = 'step';
    expect(s.delayMs(msg('m'))).toBe(0);
    const waiting = s.before(msg('w'));
    s.close();
    s.close();
    expect(await settled(held)).toBe(true);
    expect(await settled(waiting)).toBe(true);
    expect(await settled(s.before(msg('after')))).toBe(true);
  });
});

describe('view server', () => {
  let server: ViewServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const get = (url: string, host?: string) =>
    new Promise<{ status: number; body: string; csp: string }>((resolve, reject) => {
      const req = request(url, { headers: host ? { host } : {} }, (res) => {
        let body = '';
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, csp: String(res.headers['content-security-policy']) }));
      });
      req.on('error', reject);
      req.end();
    });

  function client(url: string, origin?: string): Promise<{ ws: WebSocket; first: Promise<{ t: string; history: ViewEvent[] }> }> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${url.replace('http', 'ws')}ws`, origin ? { origin } : {});
      ws.on('error', reject);
      const first = new Promise<{ t: string; history: ViewEvent[] }>((r) => ws.once('message', (d) => r(JSON.parse(String(d)))));
      ws.on('open', () => resolve({ ws, first }));
    });
  }

  it('serves the page on 127.0.0.1 only to its own Host, and refuses sockets from other origins', async () => {
    server = createViewServer();
    const { url } = await server.start();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await get(url);
    expect(page.status).toBe(200);
    expect(page.body).toContain('/app.js');
    expect(page.csp).toContain("default-src 'none'");
    expect((await get(`${url}i18n.json`)).body).toContain('"phase.align"');
    expect((await get(`${url}../../etc/passwd`)).status).toBe(404);
    expect((await get(url, 'evil.example:80')).status).toBe(421);
    await expect(client(url, 'http://evil.example')).rejects.toThrow(/403/);
  });

  it('replays its history to every new page, fills in phases and drops unsafe previews', async () => {
    server = createViewServer();
    const { url } = await server.start();
    server.publish({ event: 'run', name: 't', parties: [{ id: 'bank', role: 'bank' }], designs: ['threshold'] });
    await server.stepper.before({ kind: 'phase', name: 'keys' });
    const base = { event: 'message' as const, at: 1, from: 'bank', to: 'coordinator', bytes: 10, summary: 's' };
    server.publish({ ...base, type: 'keys.share', preview: 'A1B2c3d4' });
    server.publish({ ...base, type: 'query.ids', preview: '00ff' });
    server.publish({ ...base, type: 'scores.partial', preview: 'not hex: 42' });
    const { ws, first } = await client(url);
    const hello = await first;
    ws.close();
    expect(hello.t).toBe('hello');
    const events = hello.history;
    expect(events.map((e) => e.event)).toEqual(['run', 'phase-start', 'message', 'message', 'message']);
    const [share, ids, partial] = events.slice(2) as Extract<ViewEvent, { event: 'message' }>[];
    expect(share).toMatchObject({ phase: 'keys', preview: 'a1b2c3d4' });
    expect(ids?.preview).toBeUndefined();
    expect(partial?.preview).toBeUndefined();
  });

  it('close is idempotent, releases a waiting coordinator and refuses new events', async () => {
    server = createViewServer({ stepper: { mode: 'step' } });
    await server.start();
    const waiting = server.stepper.before(msg('hello'));
    await Promise.all([server.close(), server.close()]);
    await waiting;
    server.publish({ event: 'done', ok: true });
    expect(server.history).toEqual([]);
    await expect(server.start()).rejects.toThrow(/closed/);
  });
});

describe('replay of a run folder', () => {
  it('derives phases, joins, ledgers and a step point per message from report.json and the traces', async () => {
    const steps = await replaySteps(RUN, { jobs: ['threshold'] });
    const events = steps.map((s) => s.event);
    expect(events[0]).toMatchObject({ event: 'run', name: 'default', designs: ['threshold'] });
    expect(events[1]).toMatchObject({ event: 'job', name: 'threshold', phases: ['join', 'align', 'keys', 'encrypt', 'aggregate', 'decrypt'] });
    const messages = steps.filter((s) => s.event.event === 'message');
    expect(messages).toHaveLength(57);
    expect(messages.every((s) => s.point?.kind === 'message' && s.point.name === (s.event as { type: string }).type)).toBe(true);
    const ends = events.filter((e) => e.event === 'phase') as { name: string; ms: number }[];
    expect(ends.map((e) => e.name)).toEqual(['join', 'align', 'keys', 'encrypt', 'aggregate', 'decrypt']);
    expect(ends[1]?.ms).toBeCloseTo(4621.7, 0);
    // every message before align.done is in join or align; keys shares are in keys
    const phaseOf = (type: string) =>
      new Set(messages.filter((m) => (m.event as { type: string }).type === type).map((m) => (m.event as { phase?: string }).phase));
    expect(phaseOf('hello')).toEqual(new Set(['join']));
    expect(phaseOf('job.start')).toEqual(new Set(['align']));
    expect(phaseOf('keys.share')).toEqual(new Set(['keys']));
    expect(phaseOf('decrypt.share')).toEqual(new Set(['decrypt']));
    expect(events.filter((e) => e.event === 'joined')).toHaveLength(3);
    expect(events.filter((e) => e.event === 'ledger')).toHaveLength(4);
    expect(events.at(-1)).toEqual({ event: 'done', ok: true });
  });

  it('replayRun publishes the same events through a server, phase starts included', async () => {
    await using server = createViewServer({ stepper: { speed: 64 } });
    await replayRun(RUN, server, { jobs: ['single-holder'] });
    const kinds = server.history.map((e) => e.event);
    expect(kinds.filter((k) => k === 'message')).toHaveLength(36);
    expect(kinds.filter((k) => k === 'phase-start')).toHaveLength(6);
    expect(kinds.filter((k) => k === 'phase')).toHaveLength(6);
  });
});
