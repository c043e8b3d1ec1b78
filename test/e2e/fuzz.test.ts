/**
 * Issue 11: at least 10,000 mutated and malformed frames to a live
 * coordinator process and 10,000 to a live node process, each answered with a
 * coded error or a close; no crash; memory that does not grow with the
 * traffic; and then the same processes run a real job to its verified end.
 *
 * The seed corpus is a real job's frames (captured by a small in-process run).
 * The fuzzed run uses real processes over wss: a launcher wraps the process
 * launcher, fuzzes the coordinator as the bank (with the bank's own token,
 * so the frames reach the admitted path) before the bank and the guarantor
 * start, and puts a TLS proxy (the coordinator's own certificate) in front of
 * the tax bureau's node that sends it the fuzz frames after its hello, at the
 * same time, and relays it to the coordinator once both are fuzzed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type Child, type Launcher, type NodeLaunch, type Participant, processLauncher, runScenario } from '@fedrisk/runner';
import { coordinatorConfigSchema, decodeCoordinatorFrame, decodeNodeFrame, readJsonFile } from '@fedrisk/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { fileTempDir, inProcess, smallScenario } from '../helpers/fixtures.ts';
import { type FuzzFrame, fuzzFrames, kindsOf } from '../helpers/fuzz.ts';
import { memoryOf } from '../helpers/raw-ws.ts';

const PER_CONNECTION = 900; // under the coordinator's 1,000 refusals per connection
const COORDINATOR_FRAMES = 10_800;
const PREADMISSION_FRAMES = 240;
const NODE_FRAMES = 10_000;

let toCoordinator: Buffer[] = [];
let toNode: Buffer[] = [];

beforeAll(async () => {
  const scenario = await smallScenario((s) => {
    s.name = 'fuzz-seeds';
    if (s.data.kind === 'synthetic') s.data.businesses = 600;
    s.job.applicants = 300;
    s.job.compareWith = [];
  });
  const { runDir, ok } = await runScenario({
    scenario,
    scenarioFile: 'fuzz',
    runsDir: fileTempDir('fedrisk-fuzz-seed-'),
    launcher: inProcess(),
    captureFrames: true,
  });
  expect(ok).toBe(true);
  const dir = join(runDir, 'jobs', 'threshold', 'capture');
  const files = readdirSync(dir);
  toCoordinator = files.filter((f) => f.startsWith('to-coordinator-')).map((f) => readFileSync(join(dir, f)));
  toNode = files.filter((f) => f.startsWith('to-tax-')).map((f) => readFileSync(join(dir, f)));
}, 120_000);

/** The type a frame decodes to, if it is a valid message for this direction. */
function decodesTo(decode: (raw: Buffer | string) => { msg: { type: string } }, f: FuzzFrame): string | undefined {
  try {
    return decode(f.text ? f.data.toString('utf8') : f.data).msg.type;
  } catch {
    return undefined;
  }
}

interface Tally {
  sent: number;
  codes: Record<string, number>;
  closes: Record<string, number>;
}

const count = (m: Record<string, number>, k: string) => {
  m[k] = (m[k] ?? 0) + 1;
};

/** Opens a wss connection to the coordinator and collects its decoded replies and its close. */
async function open(url: string, ca: string) {
  // inside TLS a zero mask is as good as any, and ws then skips XOR-ing hundreds of MB of fuzz (as the nodes do)
  const ws = new WebSocket(url, { ca, maxPayload: 64 * 1024 * 1024, generateMask: (mask: Buffer) => void mask.fill(0) });
  ws.on('error', () => {});
  const replies: { type: string; code?: string }[] = [];
  let wake: (() => void) | undefined;
  ws.on('message', (raw: Buffer, binary: boolean) => {
    const { msg } = decodeCoordinatorFrame(binary ? raw : raw.toString('utf8'));
    replies.push({ type: msg.type, ...(msg.type === 'error' ? { code: msg.error.code } : {}) });
    wake?.();
  });
  const closed = new Promise<number>((resolve) => ws.once('close', (code: number) => resolve(code)));
  closed.then(() => wake?.());
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('close', () => reject(new Error('closed before open')));
  });
  let isClosed = false;
  closed.then(() => {
    isClosed = true;
  });
  return {
    ws,
    replies,
    closed,
    /** resolves once `n` replies arrived or the connection closed */
    until: async (n: number) => {
      while (replies.length < n && !isClosed) await new Promise<void>((r) => (wake = r));
    },
  };
}

/** Fuzzes the coordinator: frames before hello (one connection each), then frames from the admitted bank. */
async function fuzzCoordinator(url: string, ca: string, launch: NodeLaunch, pid: number, tally: Tally, rss: number[]) {
  const frames = fuzzFrames(toCoordinator, COORDINATOR_FRAMES + PREADMISSION_FRAMES, 11, (f) => decodesTo(decodeNodeFrame, f) === 'error');
  const hello = JSON.stringify({ v: 1, type: 'hello', party: launch.party, role: 'bank', token: launch.token });
  // before admission: any frame but a valid hello is refused and the connection closed; a big one is cut off unread
  const before = frames.slice(0, PREADMISSION_FRAMES);
  before.push({ data: Buffer.alloc(20 * 1024, 0x61), text: true, kind: 'oversize' }, { data: Buffer.alloc(3 * 1024 * 1024, 7), text: false, kind: 'oversize' });
  const refusals: Record<string, number> = {};
  const alone = async (f: FuzzFrame) => {
    const c = await open(url, ca);
    c.ws.send(f.data, { binary: !f.text });
    tally.sent++;
    const code = String(await c.closed);
    count(tally.closes, code);
    count(refusals, code);
    for (const r of c.replies) count(tally.codes, r.code ?? r.type);
  };
  // each on a connection of its own, eight at a time (the coordinator lets 256 wait for admission)
  for (let at = 0; at < before.length; at += 8) await Promise.all(before.slice(at, at + 8).map(alone));
  // every one closed by the coordinator: refused with a coded reply (4001) or cut off unread (1006, or a ws protocol code), never a normal close
  expect(Object.values(refusals).reduce((t, n) => t + n, 0)).toBe(before.length);
  expect(Object.keys(refusals).filter((code) => !['4001', '1006', '1002', '1007', '1009'].includes(code))).toEqual([]);
  // admitted as the bank: every frame answered with a coded error, the connection kept
  const after = frames.slice(PREADMISSION_FRAMES);
  for (let at = 0; at < after.length; at += PER_CONNECTION) {
    let c = await open(url, ca);
    c.ws.send(hello);
    await c.until(1);
    // the previous connection's close may not have been handled yet: hello again on a new one
    for (let tries = 0; c.replies[0]?.type !== 'welcome' && tries < 100; tries++) {
      c.ws.close();
      c = await open(url, ca);
      c.ws.send(hello);
      await c.until(1);
    }
    expect(c.replies[0]?.type).toBe('welcome');
    const batch = after.slice(at, at + PER_CONNECTION);
    for (const f of batch) c.ws.send(f.data, { binary: !f.text });
    tally.sent += batch.length;
    await c.until(1 + batch.length);
    // every frame got its own coded reply, and the connection is still open
    expect(c.replies.length).toBe(1 + batch.length);
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    for (const r of c.replies.slice(1)) count(tally.codes, r.code ?? r.type);
    c.ws.close(1000, 'fuzz batch done');
    count(tally.closes, String(await c.closed));
    rss.push(memoryOf(pid).rssMb);
  }
  return kindsOf(frames);
}

/**
 * A TLS proxy with the coordinator's certificate in front of one node: after
 * the node's hello it sends the fuzz frames and waits for the node's answer
 * to each, then, once `relayAfter` settles (the coordinator's own fuzzing,
 * which runs meanwhile), relays the node to the real coordinator.
 */
async function fuzzingProxy(
  coordinatorUrl: string,
  tls: { cert: string; key: string; ca: string },
  tally: Tally,
  nodePid: () => number | undefined,
  rss: number[],
  relayAfter: Promise<void>,
) {
  const frames = fuzzFrames(toNode, NODE_FRAMES, 23, (f) => ['welcome', 'error'].includes(decodesTo(decodeCoordinatorFrame, f) ?? ''));
  const https = createServer({ cert: tls.cert, key: tls.key });
  const wss = new WebSocketServer({ server: https, maxPayload: 600 * 1024 * 1024 });
  wss.on('error', () => {});
  let done!: (err?: Error) => void;
  const fuzzed = new Promise<void>((resolve, reject) => {
    done = (err) => (err ? reject(err) : resolve());
  });
  fuzzed.catch(() => {}); // awaited by the test; a failure is reported there
  wss.on('connection', (node) => {
    node.on('error', () => {});
    let upstream: WebSocket | undefined;
    let fuzzDone = false;
    const early: [Buffer, boolean][] = [];
    let replies = 0;
    node.on('message', (raw: Buffer, binary: boolean) => {
      if (fuzzDone) {
        if (upstream?.readyState === WebSocket.OPEN) upstream.send(raw, { binary });
        else early.push([raw, binary]);
        return;
      }
      // in batches, as the coordinator's own fuzzing: memory is read after each
      const sendBatch = () => {
        const batch = frames.slice(tally.sent, tally.sent + PER_CONNECTION);
        for (const f of batch) node.send(f.data, { binary: !f.text });
        tally.sent += batch.length;
      };
      if (early.length === 0) {
        early.push([raw, binary]); // the hello, held until the fuzzing is over
        rss.push(memoryOf(nodePid() as number).rssMb);
        sendBatch();
        return;
      }
      const { msg } = decodeNodeFrame(binary ? raw : raw.toString('utf8'));
      count(tally.codes, msg.type === 'error' ? msg.error.code : msg.type);
      if (++replies < tally.sent) return;
      rss.push(memoryOf(nodePid() as number).rssMb);
      if (tally.sent < frames.length) return sendBatch();
      fuzzDone = true;
      done();
      // the node hears from its "coordinator" while the real one is still being fuzzed
      const keepAlive = setInterval(() => node.ping(), 500);
      void relayAfter
        .then(
          () => relay(),
          () => node.terminate(),
        )
        .finally(() => clearInterval(keepAlive));
    });
    // now the real thing: the held hello, and everything after it, both ways
    const relay = () => {
      const up = new WebSocket(coordinatorUrl, { ca: tls.ca, maxPayload: 600 * 1024 * 1024 });
      upstream = up;
      up.on('error', () => node.terminate());
      up.on('open', () => {
        for (const [m, b] of early.splice(0)) up.send(m, { binary: b });
      });
      up.on('message', (m: Buffer, b: boolean) => node.send(m, { binary: b }));
      up.on('close', (code: number) => node.close(code >= 4000 || code === 1000 ? code : 1000));
      node.on('close', (code: number) => up.close(code >= 4000 || code === 1000 ? code : 1000));
    };
    node.on('close', () => {
      if (!upstream) done(new Error(`the node closed during fuzzing after ${replies} replies`));
    });
  });
  await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
  return {
    url: `wss://127.0.0.1:${(https.address() as AddressInfo).port}`,
    fuzzed,
    kinds: kindsOf(frames),
    close: () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      https.closeAllConnections();
      https.close();
    },
  };
}

/** A participant whose start waits for something (the fuzzing) to finish. */
function later(name: string, start: Promise<Participant>): Participant {
  let p: Participant | undefined;
  start.then((x) => {
    p = x;
  });
  return {
    name,
    exited: start.then(
      (x) => x.exited,
      () => 2,
    ),
    get signal() {
      return p?.signal;
    },
    get lastFatal() {
      return p?.lastFatal;
    },
    stderrTail: () => p?.stderrTail() ?? '',
    stop: async (grace) => (await start.catch(() => undefined))?.stop(grace),
    [Symbol.asyncDispose]: async () => (await start.catch(() => undefined))?.stop(),
  };
}

describe('fuzzing a live coordinator and a live node', () => {
  it('answers every mutated frame with a coded error or a close, never crashes, keeps its memory, then runs a valid job', async () => {
    const inner = processLauncher();
    const coordinatorTally: Tally = { sent: 0, codes: {}, closes: {} };
    const nodeTally: Tally = { sent: 0, codes: {}, closes: {} };
    const coordinatorRss: number[] = [];
    const nodeRss: number[] = [];
    let coordinatorChild: Child | undefined;
    let tls: { cert: string; key: string; ca: string } | undefined;
    let coordinatorKinds: Record<string, number> = {};
    let nodeKinds: Record<string, number> = {};
    let proxy: Awaited<ReturnType<typeof fuzzingProxy>> | undefined;
    let release!: () => void;
    let fail!: (err: unknown) => void;
    const coordinatorFuzzed = new Promise<void>((resolve, reject) => {
      release = resolve;
      fail = reject;
    });
    const launcher: Launcher = {
      kind: 'processes',
      keygen: (party, file) => inner.keygen(party, file),
      coordinator: (launch, onEvent) => {
        const config = readJsonFile(launch.configFile, coordinatorConfigSchema, 'coordinator config');
        const caFile = join(launch.configFile, '..', '..', '..', '..', 'ca.pem');
        tls = {
          cert: readFileSync(config.tls?.cert as string, 'utf8'),
          key: readFileSync(config.tls?.key as string, 'utf8'),
          ca: readFileSync(caFile, 'utf8'),
        };
        coordinatorChild = inner.coordinator(launch, onEvent) as Child;
        return coordinatorChild;
      },
      node: (launch, onEvent) => {
        const t = tls as NonNullable<typeof tls>;
        if (launch.party === 'bank') {
          const pid = coordinatorChild?.proc.pid as number;
          coordinatorRss.push(memoryOf(pid).rssMb);
          fuzzCoordinator(launch.coordinatorUrl, t.ca, launch, pid, coordinatorTally, coordinatorRss).then((k) => {
            coordinatorKinds = k;
            release();
          }, fail);
        }
        // the tax bureau's node is fuzzed through its proxy while the coordinator is; it joins after both
        const start =
          launch.party === 'tax'
            ? (async () => {
                let child: Child | undefined;
                proxy = await fuzzingProxy(launch.coordinatorUrl, t, nodeTally, () => child?.proc.pid, nodeRss, coordinatorFuzzed);
                nodeKinds = proxy.kinds;
                child = inner.node({ ...launch, coordinatorUrl: proxy.url }, onEvent) as Child;
                return child;
              })()
            : coordinatorFuzzed.then(() => inner.node(launch, onEvent));
        return later(launch.party, start);
      },
    };
    const scenario = await smallScenario((s) => {
      s.name = 'fuzzed';
      if (s.data.kind === 'synthetic') s.data.businesses = 600;
      s.job.applicants = 300;
      s.job.compareWith = [];
      s.timeouts = { ...s.timeouts, joinMs: 240_000 };
    });
    try {
      const result = await runScenario({ scenario, scenarioFile: 'fuzz', runsDir: fileTempDir('fedrisk-fuzz-'), launcher });
      await proxy?.fuzzed;
      // the job the fuzzed processes served afterwards, verified by the referee
      expect(result.report.error).toBeUndefined();
      expect(result.ok).toBe(true);
      expect(result.report.verification?.maxAbsLogitError).toBeLessThan(1e-4);
    } finally {
      proxy?.close();
    }
    // the coordinator: every frame refused with its code (or, before hello, cut off), none crashed it
    expect(coordinatorTally.sent).toBeGreaterThanOrEqual(10_000);
    const coordinatorCodes = Object.keys(coordinatorTally.codes);
    expect(
      coordinatorCodes.every((c) => /^(PROTO_ERR|AUTH_ERR)_/.test(c)),
      coordinatorCodes.join(', '),
    ).toBe(true);
    const refusedAdmitted = Object.entries(coordinatorTally.codes).reduce((t, [c, n]) => t + (c.startsWith('PROTO_ERR') ? n : 0), 0);
    expect(refusedAdmitted).toBeGreaterThanOrEqual(COORDINATOR_FRAMES);
    expect(Object.keys(coordinatorKinds).length).toBeGreaterThanOrEqual(10);
    // memory: what the last batches cost is not more than what the first ones did
    const mid = coordinatorRss[Math.floor(coordinatorRss.length / 2)] as number;
    expect((coordinatorRss.at(-1) as number) - mid).toBeLessThan(64);
    // the node: every frame answered with a coded error, the connection kept, the job then joined
    expect(nodeTally.sent).toBeGreaterThanOrEqual(10_000);
    const nodeReplies = Object.values(nodeTally.codes).reduce((t, n) => t + n, 0);
    expect(nodeReplies).toBe(nodeTally.sent);
    expect(
      Object.keys(nodeTally.codes).every((c) => c.startsWith('PROTO_ERR_')),
      Object.keys(nodeTally.codes).join(', '),
    ).toBe(true);
    expect(Object.keys(nodeKinds).length).toBeGreaterThanOrEqual(10);
    const nodeMid = nodeRss[Math.floor(nodeRss.length / 2)] as number;
    expect((nodeRss.at(-1) as number) - nodeMid).toBeLessThan(64);
    process.stderr.write(
      `fuzz: coordinator ${coordinatorTally.sent} frames, RSS MB ${coordinatorRss.map((x) => x.toFixed(0)).join(' ')}; node ${nodeTally.sent} frames, RSS MB ${nodeRss.map((x) => x.toFixed(0)).join(' ')}\n`,
    );
  }, 300_000);
});
