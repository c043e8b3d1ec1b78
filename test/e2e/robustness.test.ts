/**
 * Issue 10: no input crashes a process, exhausts it, hangs it, or becomes a
 * wrong result reported as success. The socket tests run against a real
 * coordinator process, where the defects lived, and read its memory from /proc.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Child, type Launcher, processLauncher, runScenario, startChild } from '@fedrisk/runner';
import { type CoordinatorConfigInput, DEFAULT_CKKS, type ProcessEvent } from '@fedrisk/shared';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { inProcess, smallScenario, tempDir } from '../helpers/fixtures.ts';
import { clientFrame, memoryOf, queuedClient, rawUpgrade } from '../helpers/raw-ws.ts';
import { throttledProxy } from '../helpers/throttle.ts';

const COORDINATOR_BIN = fileURLToPath(import.meta.resolve('@fedrisk/coordinator/bin'));
const TOKEN = 'a-credential-that-is-long-enough';
const sha = (t: string) => createHash('sha256').update(t).digest('hex');

/** A coordinator process for a two-party job nobody will finish; disposed at the end of the test. */
async function coordinatorProcess(timeouts: CoordinatorConfigInput['timeouts'] = {}) {
  const dir = tempDir();
  const config: CoordinatorConfigInput = {
    jobId: 'job-robust',
    keys: 'single-holder',
    alignment: 'query',
    keyHolder: 'bank',
    recipient: 'bank',
    ckks: DEFAULT_CKKS,
    parties: [
      { id: 'bank', role: 'bank', tokenSha256: sha(TOKEN) },
      { id: 'tax', role: 'tax', tokenSha256: sha(`${TOKEN}-tax`) },
    ],
    timeouts: { joinMs: 120_000, phaseMs: 120_000, ...timeouts },
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  const log = join(dir, 'coordinator.log');
  let listening!: (url: string) => void;
  const url = new Promise<string>((r) => {
    listening = r;
  });
  const child = startChild('coordinator', COORDINATOR_BIN, ['--config', join(dir, 'config.json'), '--log-file', log], {}, (_n, e: ProcessEvent) => {
    if (e.event === 'listening') listening(e.url);
  });
  const u = await Promise.race([url, child.exited.then((c) => Promise.reject(new Error(`coordinator exited ${c}: ${child.stderrTail()}`)))]);
  return Object.assign(child, { url: u, port: Number(new URL(u).port), log, pid: child.proc.pid as number });
}

/** Resolves when a socket closes, whatever error it saw first. */
const closed = (s: Socket) => new Promise<void>((resolve) => s.once('close', () => resolve()));

const hello = (party = 'bank', token = TOKEN) => JSON.stringify({ v: 1, type: 'hello', party, role: party, token });

describe('the coordinator process under hostile traffic', () => {
  it('cuts off an unadmitted client that sends a huge frame, and answers an admitted one without echoing it', async () => {
    await using coordinator = await coordinatorProcess();
    const before = memoryOf(coordinator.pid);
    // before admission: a 60 MB frame meant to provoke a reply twice its size
    await using raw = await rawUpgrade(coordinator.port);
    raw.write(clientFrame(Buffer.from(`{"v":"${'A'.repeat(60 * 1024 * 1024)}"}`)));
    await closed(raw);
    // after admission: a 40 MB frame with a wrong version gets a short coded reply and the connection survives
    await using bank = await queuedClient(coordinator.url);
    bank.ws.send(hello());
    expect((await bank.next()).type).toBe('welcome');
    bank.ws.send(`{"v":"${'B'.repeat(40 * 1024 * 1024)}","type":"result.done"}`);
    const reply = await bank.next();
    expect(reply).toMatchObject({ type: 'error', error: { code: 'PROTO_ERR_VERSION' } });
    expect(reply.type === 'error' && reply.error.message.length).toBeLessThan(200);
    expect(bank.ws.readyState).toBe(WebSocket.OPEN);
    expect(coordinator.proc.exitCode).toBeNull();
    // the frames cost memory while they were read, but nothing grew with them: not even twice their size
    expect(memoryOf(coordinator.pid).peakMb - before.rssMb).toBeLessThan(250);
  });

  it('a party sending a frame that takes longer to arrive than the silence allowed is not taken for gone', async () => {
    // its pongs wait behind the frame; the bytes arriving meanwhile are what says it is alive
    await using coordinator = await coordinatorProcess({ heartbeatMs: 100, silenceMs: 600 });
    await using proxy = await throttledProxy(coordinator.port, { up: 4 * 1024 * 1024 });
    await using bank = await queuedClient(`ws://127.0.0.1:${proxy.port}`);
    bank.ws.send(hello());
    expect((await bank.next()).type).toBe('welcome');
    const t0 = performance.now();
    bank.ws.send(`{"v":"${'B'.repeat(12 * 1024 * 1024)}","type":"result.done"}`);
    // the old coordinator closed the connection for silence (CLOSE_SILENT) half a second into the frame
    const reply = await Promise.race([bank.next(), once(bank.ws, 'close').then(([code]) => ({ type: 'closed', code }))]);
    // about 3 s through a 4 MB/s link, five times the silence allowed
    expect(reply).toMatchObject({ type: 'error', error: { code: 'PROTO_ERR_VERSION' } });
    expect(performance.now() - t0).toBeGreaterThan(1500);
    expect(bank.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('closes a client that never reads its replies, after a bounded number of them', async () => {
    await using coordinator = await coordinatorProcess();
    await using raw = await rawUpgrade(coordinator.port);
    raw.write(clientFrame(Buffer.from(hello())));
    raw.pause(); // it never reads what the coordinator sends
    const bad = clientFrame(Buffer.from('{ not json'));
    for (let i = 0; i < 1500; i++) raw.write(bad);
    const before = memoryOf(coordinator.pid);
    // now read: count the coded replies until the coordinator closes the connection
    let received = Buffer.alloc(0);
    const cutOff = new Promise<void>((resolve) => {
      raw.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        // the coordinator's close frame carries its reason; this client does not answer the handshake
        if (received.includes('too many bad frames')) resolve();
      });
    });
    raw.resume();
    await cutOff;
    const replies = received.toString('latin1').split('PROTO_ERR_MALFORMED').length - 1;
    expect(replies).toBeGreaterThan(0);
    expect(replies).toBeLessThanOrEqual(1000);
    expect(memoryOf(coordinator.pid).rssMb - before.rssMb).toBeLessThan(50);
    expect(readFileSync(coordinator.log, 'utf8')).toContain('too many refused frames');
  });

  it('closes connections that never finish the upgrade, and a real party still joins', async () => {
    await using coordinator = await coordinatorProcess({ helloMs: 800 });
    const sockets: Socket[] = [];
    const waiting: Promise<void>[] = [];
    for (let i = 0; i < 300; i++) {
      const s = connect(coordinator.port, '127.0.0.1');
      s.on('error', () => {});
      if (i % 2) s.on('connect', () => s.write('GET / HTTP/1.1\r\nHost: x\r\n')); // half a request, never finished
      sockets.push(s);
      waiting.push(closed(s));
    }
    // every one of them is closed by the coordinator: refused at once past the cap, or after helloMs
    await Promise.all(waiting);
    await using bank = await queuedClient(coordinator.url);
    bank.ws.send(hello());
    expect((await bank.next()).type).toBe('welcome');
    expect(readFileSync(coordinator.log, 'utf8')).toContain('too many connections waiting for admission');
    expect(coordinator.proc.exitCode).toBeNull();
  });
});

/** The process launcher, with a signal sent to the coordinator when it reports a given event. */
function signalOnEvent(signal: NodeJS.Signals, when: (e: ProcessEvent) => boolean): Launcher {
  const base = processLauncher();
  return {
    kind: 'processes',
    keygen: base.keygen,
    coordinator: (launch, onEvent) => {
      const child: Child = base.coordinator(launch, (name, e) => {
        onEvent(name, e);
        if (when(e)) child.proc.kill(signal);
      }) as Child;
      return child;
    },
    node: base.node,
  };
}

const afterAlignment = (e: ProcessEvent) => e.event === 'phase' && e.name === 'align';

async function smallThresholdRun(launcher: Launcher, silenceMs?: number) {
  const scenario = await smallScenario((s) => {
    s.job.compareWith = [];
    if (s.data.kind === 'synthetic') s.data.businesses = 1200;
    s.job.applicants = 800;
    if (silenceMs) s.timeouts = { ...s.timeouts, heartbeatMs: 200, silenceMs };
  });
  const t0 = performance.now();
  const result = await runScenario({ scenario, scenarioFile: 'signals', runsDir: tempDir(), launcher });
  return { ...result, seconds: (performance.now() - t0) / 1000 };
}

describe('a coordinator process that is stopped, hung or killed', () => {
  it('SIGTERM: it ends the job as aborted, tells every party, and every process writes its record', async () => {
    const { report, runDir } = await smallThresholdRun(signalOnEvent('SIGTERM', afterAlignment));
    expect(report.ok).toBe(false);
    expect(report.error?.code).toBe('JOB_ERR_ABORTED');
    const job = join(runDir, 'jobs', 'threshold');
    const record = JSON.parse(readFileSync(join(job, 'coordinator', 'job-record.json'), 'utf8'));
    expect(record.error.code).toBe('JOB_ERR_ABORTED');
    for (const party of ['bank', 'tax', 'guarantor']) {
      const summary = JSON.parse(readFileSync(join(job, 'parties', party, 'out', 'summary.json'), 'utf8'));
      // told by the coordinator's job.end, not merely disconnected
      expect(summary.error, party).toMatchObject({ code: 'JOB_ERR_ABORTED', message: 'coordinator closed before the job finished' });
    }
  });

  it('SIGSTOP: the parties notice by heartbeat within seconds, and the run names the coordinator', async () => {
    const { report, seconds } = await smallThresholdRun(signalOnEvent('SIGSTOP', afterAlignment), 1500);
    expect(report.ok).toBe(false);
    expect(report.error?.code).toBe('RUN_ERR_PROCESS');
    expect(report.error?.message).toMatch(/^the coordinator stopped answering: every party left while it still ran/);
    expect(seconds).toBeLessThan(30);
  });

  it('SIGKILL: the run says the coordinator was killed, and by which signal', async () => {
    const { report } = await smallThresholdRun(signalOnEvent('SIGKILL', afterAlignment));
    expect(report.ok).toBe(false);
    expect(report.error?.code).toBe('RUN_ERR_PROCESS');
    expect(report.error?.message).toBe('the coordinator wrote no job record: it was killed by SIGKILL');
  });
});

describe('results off target are failures', () => {
  it('a run whose decrypted scores are far from plaintext fails with RUN_ERR_ACCURACY', async () => {
    const scenario = await smallScenario((s) => {
      s.job.compareWith = [];
      if (s.data.kind === 'synthetic') s.data.businesses = 1200;
      s.job.applicants = 500;
      // smudging noise of 2^54 at a scale of 2^40 swamps the scores: the run must not call that success
      s.crypto.ckks = { ...s.crypto.ckks, scaleBits: 40 };
    });
    const result = await runScenario({ scenario, scenarioFile: 'accuracy', runsDir: tempDir(), launcher: inProcess() });
    expect(result.ok).toBe(false);
    expect(result.report.error?.code).toBe('RUN_ERR_ACCURACY');
    expect(result.report.error?.message).toMatch(/max \|logit error\| .* against the threshold design's target 1e-4/);
  });
});
