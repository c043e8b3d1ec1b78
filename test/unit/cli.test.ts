/**
 * The fedrisk command, called in this process: help for every subcommand,
 * checked option values, exit statuses, init, schema and fit-weights' guard.
 * (test/e2e/cli.test.ts runs it as a process and runs scenarios with it.)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CliIo, COMMANDS, LINE_WIDTH, runCli } from '@fedrisk/runner';
import { loadScenario, scenarioJsonSchema } from '@fedrisk/shared';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCENARIO, tempDir } from '../helpers/fixtures.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

async function cli(argv: string[], cwd = ROOT): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (t) => void out.push(t), err: (t) => void err.push(t), execPath: process.execPath, cwd };
  const code = await runCli(argv, io);
  return { code, out: out.join(''), err: err.join('') };
}

const tooWide = (text: string) => text.split('\n').filter((l) => l.length > LINE_WIDTH);

describe('fedrisk --help and --version', () => {
  it('lists every subcommand; --version prints the version of package.json', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    for (const c of ['run', 'view', 'bench', 'audit', 'fit-weights', 'init', 'schema']) expect(help.out).toMatch(new RegExp(`^  ${c} `, 'm'));
    expect(tooWide(help.out)).toEqual([]);
    const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
    expect(await cli(['--version'])).toEqual({ code: 0, out: `fedrisk ${version}\n`, err: '' });
    // no command: the help, but a failure for scripts that forgot the command
    expect((await cli([])).code).toBe(2);
  });

  for (const command of COMMANDS) {
    it(`fedrisk ${command.name} -h explains every option, within 100 columns`, async () => {
      const script = 'script' in command ? command.script : undefined;
      // a script subcommand without a spec prints its own help, once the script exists
      if (script && !command.spec && existsSync(join(ROOT, script))) return;
      for (const flag of ['-h', '--help']) {
        const { code, out, err } = await cli([command.name, flag]);
        expect(err).toBe('');
        expect(code).toBe(0);
        expect(out).toContain(`fedrisk ${command.name}`);
        expect(tooWide(out)).toEqual([]);
        if (!command.spec) expect(out).toContain('Not available in this build');
        for (const name of Object.keys(command.spec?.options ?? {})) expect(out).toMatch(new RegExp(`--${name}\\b.*\\S`));
        if (command.spec) expect(out).toMatch(/Exit status:\n {2}0 +success/);
      }
    });
  }
});

describe('exit statuses and coded errors', () => {
  it('2 for a bad command line, with a coded one-line error and a suggestion, never a stack trace', async () => {
    const cases: [string[], RegExp][] = [
      [['rnu'], /error CONFIG_ERR_INVALID: unknown command "rnu" \(did you mean "run"\?\)/],
      [['run'], /CONFIG_ERR_INVALID: fedrisk run: missing <scenario.yaml>/],
      [['run', DEFAULT_SCENARIO, '--log-level', 'verbose'], /--log-level cannot be "verbose"; choose from fatal, error, warn, info, debug, trace, silent/],
      [['run', DEFAULT_SCENARIO, '--trce'], /unknown option --trce \(did you mean "--trace"\?\)/],
      [['run', DEFAULT_SCENARIO, '--trace-kind', 'decrpyt'], /--trace-kind cannot be "decrpyt" \(did you mean "decrypt"\?\)/],
      [['run', DEFAULT_SCENARIO, '--trace-party', 'tx'], /--trace-party: "tx" is not a participant .* \(did you mean "tax"\?\)/],
      [['run', 'no-such.yaml'], /error SCENARIO_ERR_FILE: cannot read scenario no-such.yaml/],
      [['fit-weights', DEFAULT_SCENARIO, '--seed', 'seven'], /--seed takes a whole number, not "seven"/],
      [['bench', 'scorng'], /cannot be "scorng" \(did you mean "scoring"\?\)/],
    ];
    for (const [argv, message] of cases) {
      const { code, out, err } = await cli(argv);
      expect(code, argv.join(' ')).toBe(2);
      expect(out).toBe('');
      expect(err).toMatch(message);
      expect(err).not.toMatch(/\n\s+at /);
    }
  });

  it('2 and CONFIG_ERR_UNAVAILABLE for a script subcommand this build lacks', async () => {
    const missing = COMMANDS.filter((c) => 'script' in c && !existsSync(join(ROOT, c.script)));
    for (const c of missing) {
      const { code, err } = await cli([c.name]);
      expect(code).toBe(2);
      expect(err).toMatch(new RegExp(`error CONFIG_ERR_UNAVAILABLE: fedrisk ${c.name} is not available in this build`));
    }
  });

  it('3 and a stack trace for a bug, which is not a coded error', async () => {
    const err: string[] = [];
    const io: CliIo = {
      out: () => {
        throw new TypeError('broken pipe of a test');
      },
      err: (t) => void err.push(t),
      execPath: process.execPath,
      cwd: ROOT,
    };
    expect(await runCli(['--version'], io)).toBe(3);
    expect(err.join('')).toMatch(/^internal error: TypeError: broken pipe of a test\n\s+at /);
  });
});

describe('fedrisk init and fedrisk schema', () => {
  it('init writes a synthetic starter that loads, with the schema line, and will not overwrite it', async () => {
    const dir = tempDir();
    expect((await cli(['init', '--out', 'mine.yaml'], dir)).code).toBe(0);
    const text = readFileSync(join(dir, 'mine.yaml'), 'utf8');
    expect(text.split('\n')[0]).toMatch(/^# yaml-language-server: \$schema=.*scenarios\/scenario\.schema\.json$/);
    const s = await loadScenario(join(dir, 'mine.yaml'));
    expect(s.train).toBeDefined();
    expect(s.model).toEqual({});
    const again = await cli(['init', '--out', 'mine.yaml'], dir);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/exists; pass --force/);
  });

  it('init --csv reads the header and cells: categories, id, label; a label that is not 0/1 is refused', async () => {
    const dir = tempDir();
    const rows = Array.from({ length: 40 }, (_, i) => `c${i},${i % 3 ? 'A1' : 'A2'},${100 + i},${i % 5},${i % 7 === 0 ? 1 : 0},${20 + i}`);
    writeFileSync(join(dir, 'credit.csv'), ['customer_id,checking,amount,rate,default,age', ...rows].join('\n'));
    expect((await cli(['init', '--csv', 'credit.csv', '--out', 'credit.yaml'], dir)).code).toBe(0);
    const s = await loadScenario(join(dir, 'credit.yaml'));
    expect(s.data).toMatchObject({ kind: 'csv', file: 'credit.csv', id: 'customer_id', label: 'default', categorical: ['checking'] });
    expect(s.data.kind === 'csv' && Object.values(s.data.columns).flat().sort()).toEqual(['age', 'amount', 'checking', 'rate']);
    writeFileSync(join(dir, 'coded.csv'), ['id,a,b,c,class', 'x1,1,2,3,1', 'x2,1,2,3,2'].join('\n'));
    const coded = await cli(['init', '--csv', 'coded.csv', '--out', 'coded.yaml'], dir);
    expect(coded.code).toBe(2);
    expect(coded.err).toMatch(/the label column "class" holds 1, 2; fedrisk needs 0 and 1 \(1 = default\): recode it/);
  });

  it('schema prints the JSON Schema, or the field reference', async () => {
    const json = await cli(['schema']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toEqual(scenarioJsonSchema());
    expect((await cli(['schema', '--format', 'markdown'])).out).toMatch(/^\| field \| type \| required \| default \| meaning \|/);
  });
});

describe('fedrisk fit-weights', () => {
  it('refuses to fit on no rows (real data, every record scored, no training) instead of fitting nothing', async () => {
    const dir = tempDir();
    const rows = Array.from({ length: 30 }, (_, i) => `r${i},${i},${i % 4},${i % 3 === 0 ? 1 : 0}`);
    writeFileSync(join(dir, 'd.csv'), ['id,x,z,y', ...rows].join('\n'));
    const scenario = [
      'name: t',
      'seed: 1',
      'data: { kind: csv, file: d.csv, id: id, label: y, columns: { bank: [x], other: [z] } }',
      'parties: [{ id: bank, role: bank }, { id: other, role: holder }]',
      'job: { recipient: bank, applicants: all }',
      'model: { bank: { features: { x: { transform: z, weight: 1 } } }, other: { features: { z: { transform: z, weight: 1 } } } }',
    ].join('\n');
    writeFileSync(join(dir, 't.yaml'), scenario);
    const { code, out, err } = await cli(['fit-weights', 't.yaml'], dir);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(/SCENARIO_ERR_INVALID: every one of bank's 30 records is scored \(job.applicants: all\), so none is left to fit on/);
  });
});
