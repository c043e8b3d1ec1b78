/**
 * The fedrisk command for real: `npx fedrisk` from the repository; a scenario
 * for a CSV of one's own, written by `fedrisk init` with no model: section,
 * trains and scores with each party's features inferred in its own node; a
 * run in which a compared design fails exits 1 with a FAILED line; --trace
 * filters by participant and message kind.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CliIo, LINE_WIDTH, type Report, runCli } from '@fedrisk/runner';
import { createRng, partyModelSchema } from '@fedrisk/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SCENARIO, fileTempDir, tempDir } from '../helpers/fixtures.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'packages/runner/src/bin/fedrisk.ts');

/** Runs a command to its end; resolves its exit status and output. */
async function run(command: string, args: string[], cwd: string): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  await using _cleanup = { [Symbol.asyncDispose]: async () => void child.kill('SIGKILL') };
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => {
    out += String(d);
  });
  child.stderr.on('data', (d) => {
    err += String(d);
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, out, err };
}

/** A German-credit-like file: text categories, a skewed amount, 0/1 defaults that depend on the columns. */
function creditCsv(rows: number): string {
  const rng = createRng(42);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rng.next() * xs.length)] as T;
  const lines = ['customer_id,checking,duration,amount,purpose,age,savings,rate,housing,default'];
  for (let i = 0; i < rows; i++) {
    const checking = pick(['A11', 'A12', 'A13', 'A14']);
    const duration = 4 + Math.floor(rng.next() * 68);
    const amount = Math.round(250 * Math.exp(2.5 * rng.next() ** 2 * 2));
    const age = 19 + Math.floor(rng.next() * 56);
    const logit = -1.2 + (checking === 'A11' ? 1.2 : checking === 'A14' ? -1 : 0) + duration / 40 - (age - 40) / 30 + (amount > 5000 ? 0.5 : 0);
    const y = rng.next() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
    lines.push(
      [
        `c${String(i).padStart(4, '0')}`,
        checking,
        duration,
        amount,
        pick(['car', 'furniture', 'tv', 'education']),
        age,
        pick(['A61', 'A62', 'A65']),
        1 + (i % 4),
        pick(['own', 'rent', 'free']),
        y,
      ].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

function io(cwd: string, lines: string[] = []): CliIo {
  return { out: (t) => void lines.push(...t.split('\n').filter(Boolean)), err: (t) => void lines.push(t), execPath: process.execPath, cwd };
}

describe('npx fedrisk', () => {
  it('runs from the repository with the pinned Node.js: --version, and exit status 2 for a bad option', async () => {
    const version = await run('npx', ['fedrisk', '--version'], ROOT);
    expect(version.err).toBe('');
    expect(version).toMatchObject({ code: 0, out: `fedrisk ${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}\n` });
    const bad = await run(process.execPath, [BIN, 'run', DEFAULT_SCENARIO, '--log-level', 'loud'], ROOT);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^error CONFIG_ERR_INVALID: fedrisk run: --log-level cannot be "loud"/);
    expect(bad.err).not.toMatch(/\n\s+at /);
  });

  // the machine's own Node, when it is too old for the sources: the command says what it needs, with no stack trace
  const SYSTEM_NODE = '/usr/bin/node';
  const systemMajor = existsSync(SYSTEM_NODE) ? Number(execFileSync(SYSTEM_NODE, ['-p', 'process.versions.node.split(".")[0]']).toString()) : 0;
  it.skipIf(!systemMajor || systemMajor >= 22)(`on an older system Node (${SYSTEM_NODE} ${systemMajor}) says it needs 22.18 or newer, exit 2`, async () => {
    const old = await run(SYSTEM_NODE, [join(ROOT, 'packages/runner/bin/fedrisk.mjs'), '--version'], ROOT);
    expect(old.code).toBe(2);
    expect(old.err).toMatch(/^fedrisk needs Node\.js 22\.18 or newer \(this is v\d+/);
    expect(old.err).not.toMatch(/\n\s+at |ERR_UNKNOWN_FILE_EXTENSION/);
  });
});

describe('a scenario for a CSV of ones own, with no model: section', () => {
  let dir: string;
  let code: number;
  let report: Report;
  let runDir: string;
  const lines: string[] = [];

  beforeAll(async () => {
    dir = fileTempDir('fedrisk-cli-');
    writeFileSync(join(dir, 'credit.csv'), creditCsv(1000));
    expect(await runCli(['init', '--csv', 'credit.csv', '--out', 'credit.yaml'], io(dir))).toBe(0);
    // fewer epochs and one design, to keep the test short; everything else as init wrote it
    const yaml = readFileSync(join(dir, 'credit.yaml'), 'utf8');
    writeFileSync(join(dir, 'credit.yaml'), yaml.replace('train: {}', 'train: { epochs: 3 }').replace('compareWith: [single-holder]', 'compareWith: []'));
    code = await runCli(['run', 'credit.yaml', '--launcher', 'in-process', '--runs-dir', 'runs'], io(dir, lines));
    const runs = readdirSync(join(dir, 'runs')).filter((f) => f !== 'latest');
    runDir = join(dir, 'runs', runs[0] as string);
    report = JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8')) as Report;
  }, 120_000);

  it('trains and scores, and exits 0', () => {
    expect(readFileSync(join(dir, 'credit.yaml'), 'utf8')).not.toMatch(/^model:/m);
    expect(code, lines.join('\n')).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.training?.epochs.length).toBe(3);
    expect(report.verification?.scored).toBeGreaterThan(300);
    expect(report.verification?.maxAbsLogitError).toBeLessThanOrEqual(1e-4);
    // the starter's policy lends: a model trained from zero fits no fixed cut-off, so init approves a share
    expect(report.portfolio?.decisions.approved ?? 0).toBeGreaterThan(0.5 * (report.verification?.scored ?? 0));
    expect(lines.filter((l) => l.length > LINE_WIDTH)).toEqual([]);
  });

  it('each party derived its features from its own columns: the categories of its own rows, a log for the skewed amount', () => {
    const trained = (party: string) =>
      partyModelSchema.parse(JSON.parse(readFileSync(join(runDir, 'jobs', 'training', 'parties', party, 'out', 'model.json'), 'utf8')));
    const own = (party: string, column: string) => {
      const [header, ...rows] = readFileSync(join(runDir, 'data', `${party}.csv`), 'utf8')
        .trim()
        .split('\n');
      const k = (header as string).split(',').indexOf(column);
      return [...new Set(rows.map((r) => r.split(',')[k] as string))].sort();
    };
    const bank = trained('bank');
    const a = trained('partner-a');
    expect(Object.keys(bank.features)).toEqual(['checking', 'duration']);
    expect(bank.features.checking?.transform === 'onehot' && Object.keys(bank.features.checking.weights)).toEqual(own('bank', 'checking'));
    expect(a.features.amount?.transform).toBe('log1p');
    expect(a.features.age?.transform).toBe('z');
    expect(a.features.purpose?.transform === 'onehot' && Object.keys(a.features.purpose.weights)).toEqual(own('partner-a', 'purpose'));
    // trained, not left at zero
    expect(a.features.age?.transform === 'z' && a.features.age.weight).not.toBe(0);
  });

  it('no category of a party reached any config another process was given, nor its own', () => {
    const configs = ['training', 'threshold'].flatMap((job) => [
      join(runDir, 'jobs', job, 'coordinator', 'config.json'),
      ...['bank', 'partner-a', 'partner-b'].map((p) => join(runDir, 'jobs', job, 'parties', p, 'config.json')),
    ]);
    for (const file of configs) {
      const text = readFileSync(file, 'utf8');
      for (const category of ['A11', 'A14', 'furniture', 'education', 'A65', 'rent']) expect(text, file).not.toContain(`"${category}"`);
    }
  });
});

describe('exit status of a run', () => {
  it('is 1, with a FAILED line, when only a compared design fails; --trace shows only the messages asked for', async () => {
    const dir = tempDir();
    const text = readFileSync(DEFAULT_SCENARIO, 'utf8')
      .replace('businesses: 20000', 'businesses: 1500')
      .replace('applicants: 12000', 'applicants: 1000')
      .replace('keys: threshold', 'keys: single-holder')
      .replace('compareWith: [single-holder]', 'compareWith: [threshold]');
    // a curious coordinator, in the compared threshold design only: every node refuses it there
    writeFileSync(join(dir, 's.yaml'), `${text}faults: [{ coordinator: decrypt-input, target: tax }]\n`);
    const r = await run(process.execPath, [BIN, 'run', 's.yaml', '--launcher', 'in-process', '--trace-party', 'tax', '--trace-kind', 'decrypt'], dir);
    expect(r.code, r.err).toBe(1);
    expect(r.out).toMatch(/^FAILED \(threshold\): CRYPTO_ERR_SHARE_REFUSED/m);
    expect(r.out).toMatch(/^Scored 1000 businesses jointly \(keys: single-holder\)/m);
    const trace = [...r.out.matchAll(/^ +\d+ ms +(\S+) → (\S+) +(\S+)/gm)].map((m) => m.slice(1, 4));
    expect(trace.length).toBeGreaterThan(0);
    for (const [from, to, type] of trace) {
      expect([from, to]).toContain('tax');
      expect(type).toMatch(/^decrypt\./);
    }
    expect(r.out.split('\n').filter((l) => l.length > LINE_WIDTH)).toEqual([]);
  });
});
