/**
 * Bad input and vanishing parties, with real sockets and real processes:
 * every failure ends the run with a clear, coded error; nothing hangs.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Coordinator, createCoordinator, type JobRecord } from '@fedrisk/coordinator';
import { NODE_BIN, runScenario, startChild } from '@fedrisk/runner';
import {
  type CoordinatorConfigInput,
  DEFAULT_CKKS,
  encodeFrame,
  encodeIdList,
  loadSeal,
  makeUscc,
  type NodeConfigInput,
  type NodeMessage,
  type ProcessEvent,
  silentLogger,
} from '@fedrisk/shared';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { DEFAULT_SCENARIO, inProcess, smallScenario, tempDir } from '../helpers/fixtures.ts';
import { queuedClient } from '../helpers/raw-ws.ts';

const TOKEN = 'correct-horse-battery-staple-0001';
const sha = (t: string) => createHash('sha256').update(t).digest('hex');

function coordinatorConfig(): CoordinatorConfigInput {
  return {
    jobId: 'job-test',
    keys: 'single-holder',
    alignment: 'query',
    kind: 'scoring',
    keyHolder: 'bank',
    recipient: 'bank',
    ckks: DEFAULT_CKKS,
    parties: [
      { id: 'bank', role: 'bank', tokenSha256: sha(TOKEN) },
      { id: 'tax', role: 'tax', tokenSha256: sha(`${TOKEN}-tax`) },
    ],
    timeouts: { joinMs: 20_000, phaseMs: 20_000 },
  };
}

async function startCoordinator(
  events: ProcessEvent[] = [],
  timeouts?: CoordinatorConfigInput['timeouts'],
): Promise<{ coordinator: Coordinator; url: string; [Symbol.asyncDispose](): Promise<void> }> {
  const coordinator = createCoordinator({
    config: { ...coordinatorConfig(), ...(timeouts ? { timeouts } : {}) },
    seal: await loadSeal(),
    logger: silentLogger(),
    port: 0,
    onEvent: (e) => events.push(e),
  });
  const { url } = await coordinator.start();
  // `await using` closes it when the test ends, whatever happened
  return { coordinator, url, [Symbol.asyncDispose]: () => coordinator.close() };
}

describe('the coordinator at the socket', () => {
  it('refuses a wrong credential with a coded error and closes', async () => {
    await using started = await startCoordinator();
    const { url } = started;
    await using c = await queuedClient(url);
    c.send(JSON.stringify({ v: 1, type: 'hello', party: 'bank', role: 'bank', token: 'not-the-right-token-at-all' }));
    const reply = await c.next();
    expect(reply).toMatchObject({ type: 'error', error: { code: 'AUTH_ERR_REJECTED' } });
    const [code] = await once(c.ws, 'close');
    expect(code).toBe(4001);
  });

  it('answers malformed and invalid frames with stable codes and keeps the connection', async () => {
    await using started = await startCoordinator();
    const { url } = started;
    await using c = await queuedClient(url);
    c.send(JSON.stringify({ v: 1, type: 'hello', party: 'bank', role: 'bank', token: TOKEN }));
    expect((await c.next()).type).toBe('welcome');
    c.send('{ this is not json');
    expect(await c.next()).toMatchObject({ type: 'error', error: { code: 'PROTO_ERR_MALFORMED' } });
    c.send(Buffer.from([0, 0, 0, 99, 1, 2]));
    expect(await c.next()).toMatchObject({ type: 'error', error: { code: 'PROTO_ERR_MALFORMED' } });
    c.send(JSON.stringify({ v: 1, type: 'query.ids', jobId: 'job-test', count: 0 }));
    const invalid = await c.next();
    expect(invalid).toMatchObject({ type: 'error', error: { code: 'PROTO_ERR_INVALID' } });
    expect(invalid.type === 'error' && invalid.error.message).toContain('count');
    c.send(JSON.stringify({ v: 99, type: 'result.done', jobId: 'job-test', scored: 1 }));
    expect(await c.next()).toMatchObject({ type: 'error', error: { code: 'PROTO_ERR_VERSION' } });
    // a valid message out of turn: the job has not started, so no query is expected yet
    c.send(Buffer.from(encodeFrame<NodeMessage>({ type: 'query.ids', jobId: 'job-test', count: 1 }, [encodeIdList([makeUscc('370100', 5)])])));
    expect(await c.next()).toMatchObject({ type: 'error', error: { code: 'PROTO_ERR_UNEXPECTED' } });
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    c.ws.close();
  });

  it('ends the job with JOB_ERR_TIMEOUT naming who never joined', async () => {
    await using started = await startCoordinator([], { joinMs: 400, phaseMs: 10_000 });
    const { coordinator, url } = started;
    await using c = await queuedClient(url);
    c.send(JSON.stringify({ v: 1, type: 'hello', party: 'bank', role: 'bank', token: TOKEN }));
    expect((await c.next()).type).toBe('welcome');
    const record = await coordinator.done;
    expect(record.error?.code).toBe('JOB_ERR_TIMEOUT');
    expect(record.error?.message).toContain('missing: tax');
    // the admitted party is told the job ended
    expect(await c.next()).toMatchObject({ type: 'job.end', ok: false, error: { code: 'JOB_ERR_TIMEOUT' } });
  });

  it('ends the job with JOB_ERR_TIMEOUT naming whom a phase still waits for', async () => {
    await using started = await startCoordinator([], { joinMs: 10_000, phaseMs: 400 });
    const { coordinator, url } = started;
    await using bank = await queuedClient(url);
    await using tax = await queuedClient(url);
    bank.send(JSON.stringify({ v: 1, type: 'hello', party: 'bank', role: 'bank', token: TOKEN }));
    tax.send(JSON.stringify({ v: 1, type: 'hello', party: 'tax', role: 'tax', token: `${TOKEN}-tax` }));
    // both are admitted and get the job; neither sends the public key the keys phase waits for
    const record = await coordinator.done;
    expect(record.error?.code).toBe('JOB_ERR_TIMEOUT');
    expect(record.error?.message).toMatch(/phase "keys" took longer than 400 ms; still waiting for bank/);
  });

  it('fails the job with JOB_ERR_PARTY_LOST when an admitted party vanishes once the job has started', async () => {
    await using started = await startCoordinator();
    const { coordinator, url } = started;
    await using c = await queuedClient(url);
    await using tax = await queuedClient(url);
    c.send(JSON.stringify({ v: 1, type: 'hello', party: 'bank', role: 'bank', token: TOKEN }));
    expect((await c.next()).type).toBe('welcome');
    tax.send(JSON.stringify({ v: 1, type: 'hello', party: 'tax', role: 'tax', token: `${TOKEN}-tax` }));
    expect((await tax.next()).type).toBe('welcome');
    expect((await c.next()).type).toBe('job.start');
    c.ws.terminate();
    const record: JobRecord = await coordinator.done;
    expect(record.ok).toBe(false);
    expect(record.error?.code).toBe('JOB_ERR_PARTY_LOST');
    expect(record.error?.message).toContain('bank');
  });

  it('lets a party that dropped before the job started join again (issue 10)', async () => {
    await using started = await startCoordinator();
    const { url } = started;
    const hello = JSON.stringify({ v: 1, type: 'hello', party: 'bank', role: 'bank', token: TOKEN });
    {
      await using first = await queuedClient(url);
      first.send(hello);
      expect((await first.next()).type).toBe('welcome');
      first.ws.terminate();
      await once(first.ws, 'close');
    }
    // the coordinator may see the close a moment later: a second hello is either a duplicate or admitted, never the end of the job
    let admitted = false;
    for (let attempt = 0; attempt < 50 && !admitted; attempt++) {
      await using again = await queuedClient(url);
      again.send(hello);
      const reply = await again.next();
      if (reply.type === 'welcome') admitted = true;
      else expect(reply).toMatchObject({ type: 'error', error: { code: 'AUTH_ERR_DUPLICATE' } });
    }
    expect(admitted).toBe(true);
  });
});

describe('a party node process', () => {
  it('with a broken CSV row names file, line and column, exits 2 and never joins', async () => {
    const events: ProcessEvent[] = [];
    await using started = await startCoordinator(events);
    const { url } = started;
    const dir = tempDir();
    const a = makeUscc('370100', 1);
    const b = makeUscc('370100', 2);
    writeFileSync(
      join(dir, 'tax.csv'),
      `business_id,annual_vat_paid,invoice_count,revenue_growth_yoy,tax_credit_grade,months_continuous_filing\n${a},100,3,0.1,A,12\n${b},100,three,0.1,A,12\n`,
    );
    const cfg: NodeConfigInput = {
      party: 'tax',
      role: 'tax',
      data: join(dir, 'tax.csv'),
      model: { intercept: 0, features: { invoice_count: { transform: 'z', weight: 1 } } },
      outDir: join(dir, 'out'),
    };
    writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg));
    await using child = startChild('tax', NODE_BIN, ['--config', join(dir, 'config.json'), '--coordinator', url], { FEDRISK_TOKEN: `${TOKEN}-tax` }, () => {});
    expect(await child.exited).toBe(2);
    expect(child.lastFatal?.code).toBe('DATA_ERR_CSV');
    expect(child.stderrTail()).toContain('tax.csv line 3, column "invoice_count": "three" is not a number');
    expect(child.stderrTail()).not.toMatch(/\n\s+at /); // no stack trace for a user mistake
    expect(events.filter((e) => e.event === 'message' || e.event === 'joined')).toEqual([]);
  });
});

describe('a recipient with a bad applicant list', () => {
  it('refuses duplicate and malformed ids before joining, naming the line', async () => {
    await using started = await startCoordinator();
    const { url } = started;
    const dir = tempDir();
    const a = makeUscc('370100', 1);
    writeFileSync(
      join(dir, 'bank.csv'),
      `business_id,loan_balance,max_overdue_days_12m,avg_monthly_inflow,credit_utilisation,months_as_customer\n${a},1,0,1,0.5,12\n`,
    );
    const base: NodeConfigInput = {
      party: 'bank',
      role: 'bank',
      data: join(dir, 'bank.csv'),
      model: { intercept: 0, features: {} },
      scorecard: { baseScore: 600, baseOdds: 50, pdo: 20, grades: [{ grade: 'A', minScore: 0 }] },
      applicants: join(dir, 'applicants.txt'),
      outDir: join(dir, 'out'),
    };
    writeFileSync(join(dir, 'config.json'), JSON.stringify(base));
    for (const [text, expected] of [
      [`${a}\n${a}\n`, `applicants.txt line 2: "${a}" is listed twice`],
      [`${a}\nnot-an-id\n`, 'applicants.txt line 2: "not-an-id" is not a unified social credit code'],
      ['\n', 'lists no businesses to score'],
    ] as const) {
      writeFileSync(join(dir, 'applicants.txt'), text);
      await using child = startChild('bank', NODE_BIN, ['--config', join(dir, 'config.json'), '--coordinator', url], { FEDRISK_TOKEN: TOKEN }, () => {});
      expect(await child.exited).toBe(2);
      expect(child.lastFatal?.code).toBe('DATA_ERR_APPLICANTS');
      expect(child.stderrTail()).toContain(expected);
    }
  });
});

describe('scenario runs that go wrong', () => {
  it('a party that crashes mid-job ends the run with JOB_ERR_PARTY_LOST, naming it', async () => {
    const scenario = await smallScenario((s) => {
      s.job.compareWith = [];
      s.faults = [{ party: 'guarantor', crashAt: 'before-partial' }];
    });
    const { report } = await runScenario({ scenario, scenarioFile: 'fault', runsDir: tempDir() });
    expect(report.ok).toBe(false);
    expect(report.error?.code).toBe('JOB_ERR_PARTY_LOST');
    expect(report.error?.message).toContain('guarantor');
    expect(report.verification).toBeUndefined();
  });

  it('parameters below 128-bit security are refused by the nodes, and the report says who refused', async () => {
    const scenario = await smallScenario((s) => {
      s.job.compareWith = [];
      s.crypto.ckks = { polyModulusDegree: 4096, coeffModulusBits: [60, 40, 40, 60], scaleBits: 40, compression: 'none' };
    });
    const { report } = await runScenario({ scenario, scenarioFile: 'insecure', runsDir: tempDir(), launcher: inProcess() });
    expect(report.ok).toBe(false);
    expect(report.error?.code).toBe('CRYPTO_ERR_INSECURE_PARAMS');
    expect(report.refusals.length).toBeGreaterThan(0);
    expect(report.refusals[0]?.code).toBe('CRYPTO_ERR_INSECURE_PARAMS');
    expect(report.error?.message).toMatch(/party (bank|tax|guarantor) stopped the job: CKKS parameters below 128-bit security/);
  });

  it("a curious coordinator that presents one party's input as the sum is refused by every node", async () => {
    const scenario = await smallScenario((s) => {
      s.job.compareWith = [];
      s.faults = [{ coordinator: 'decrypt-input', target: 'tax' }];
    });
    const { report, runDir } = await runScenario({ scenario, scenarioFile: 'curious', runsDir: tempDir(), launcher: inProcess() });
    expect(report.ok).toBe(false);
    expect(report.error?.code).toBe('CRYPTO_ERR_SHARE_REFUSED');
    expect(report.error?.message).toMatch(/3 of 3 parties .* refused to decrypt/);
    expect(report.refusals.map((r) => r.party).sort()).toEqual(['bank', 'guarantor', 'tax']);
    for (const r of report.refusals) expect(r.code).toBe('CRYPTO_ERR_SHARE_REFUSED');
    // nothing was decrypted, and no share left any party
    for (const who of ['bank', 'tax', 'guarantor']) expect(report.ledger[who]?.decrypted).toBe(0);
    expect(report.ledger.coordinator?.received.sealedDecryptionShares).toBe(0);
    // each node logged its refusal
    for (const p of ['bank', 'tax', 'guarantor']) {
      expect(readFileSync(join(runDir, 'jobs', 'threshold', 'logs', `${p}.log`), 'utf8')).toContain('refusing to decrypt');
    }
  });

  it('a replayed request for decryption shares is refused by every node', async () => {
    const scenario = await smallScenario((s) => {
      s.job.compareWith = [];
      s.faults = [{ coordinator: 'replay-decrypt' }];
    });
    const { report } = await runScenario({ scenario, scenarioFile: 'replay', runsDir: tempDir(), launcher: inProcess() });
    expect(report.ok).toBe(false);
    expect(report.error?.code).toBe('CRYPTO_ERR_SHARE_REPLAY');
    expect(report.refusals.map((r) => r.party).sort()).toEqual(['bank', 'guarantor', 'tax']);
    // the first request was answered once: exactly one round of shares crossed the coordinator
    expect(report.ledger.coordinator?.received.sealedDecryptionShares).toBe(2 * report.crypto.ciphertextsPerParty);
  });

  it('the CLI names a wrong scenario field and prints no stack trace', async () => {
    const dir = tempDir();
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, readFileSync(DEFAULT_SCENARIO, 'utf8').replace('coverage: 0.4', 'coverage: lots'));
    const bin = fileURLToPath(new URL('../../packages/runner/src/bin/run-scenario.ts', import.meta.url));
    const proc = spawn(process.execPath, [bin, bad, '--runs-dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    await using _cleanup = { [Symbol.asyncDispose]: async () => void proc.kill('SIGKILL') };
    let stderr = '';
    proc.stderr.on('data', (d) => {
      stderr += String(d);
    });
    const [code] = await once(proc, 'exit');
    expect(code).toBe(2);
    expect(stderr).toContain('SCENARIO_ERR_INVALID');
    expect(stderr).toContain('parties[2].coverage');
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
