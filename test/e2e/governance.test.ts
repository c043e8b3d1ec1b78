/**
 * Governance end to end (in-process, small): the shipped governance-regulator
 * scenario, shrunk. A bank asks about businesses that never applied; the
 * holders withhold every record without a valid authorisation; the regulator
 * flags and suspends the bank and the coordinator refuses its next job. The
 * run's trails verify, and editing, deleting or reordering a line of any of
 * them (the regulator's included) is named by file, line and participant.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Launcher, type RunResult, runCli, runScenario } from '@fedrisk/runner';
import { loadScenario } from '@fedrisk/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { fileTempDir, inProcess } from '../helpers/fixtures.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const SCENARIO = join(ROOT, 'scenarios/governance-regulator.yaml');
const EXTRA = 300;
let run: RunResult;
let applicants: string[];

/** Every business id of the run's population that appears in a text (the trails must hold none). */
function idsIn(text: string): string[] {
  const ids = new Set(applicants);
  return [...text.matchAll(/[0-9A-Z]{18}/g)].map((m) => m[0]).filter((id) => ids.has(id));
}

async function verifyCli(runDir: string): Promise<{ code: number | null; out: string }> {
  const child = spawn(join(ROOT, 'node_modules/.bin/node'), [join(ROOT, 'packages/runner/src/bin/fedrisk.ts'), 'audit', 'verify', runDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += String(d);
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, out };
}

/** The same command in this process (what the bin runs, without starting another Node.js). */
async function verifyInProcess(runDir: string): Promise<{ code: number | null; out: string }> {
  let out = '';
  const code = await runCli(['audit', 'verify', runDir], {
    out: (text) => {
      out += text;
    },
    err: () => {},
    execPath: process.execPath,
    cwd: ROOT,
  });
  return { code, out };
}

/** A copy of the run folder with one trail's lines changed. */
function tampered(file: string, change: (lines: string[]) => void): string {
  const copy = fileTempDir('fedrisk-tampered-');
  cpSync(run.runDir, copy, { recursive: true });
  const path = join(copy, file);
  const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
  change(lines);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return copy;
}

beforeAll(async () => {
  const scenario = await loadScenario(SCENARIO);
  if (scenario.data.kind === 'synthetic') scenario.data.businesses = 3000;
  scenario.job.applicants = 1000;
  if (scenario.governance.misbehave) scenario.governance.misbehave.extraQueries = EXTRA;
  run = await runScenario({ scenario, scenarioFile: SCENARIO, runsDir: fileTempDir('fedrisk-gov-'), launcher: inProcess(), logLevel: 'warn' });
  applicants = readFileSync(join(run.runDir, 'jobs', 'threshold', 'parties', 'bank', 'applicants.txt'), 'utf8')
    .trim()
    .split('\n');
}, 120_000);

describe('governance: authorisations, minimum necessary, a regulator that suspends', () => {
  it('scores what the holders contributed, withholding exactly the records without a valid authorisation', () => {
    const r = run.report;
    expect(r.ok, JSON.stringify(r.error)).toBe(true);
    // the referee recomputes with the same records withheld: the scores match to CKKS precision
    expect(r.verification?.maxAbsLogitError).toBeLessThan(1e-4);
    const g = r.governance;
    expect(g?.audit.countersigned).toBe(true);
    for (const holder of ['tax', 'guarantor']) {
      const a = g?.authorisations[holder];
      const ledger = r.ledger[holder]?.idsLearned?.intersection;
      expect(a?.matched, holder).toBe(ledger);
      expect(a?.unauthorised, holder).toBeGreaterThan(0);
      expect((a?.authorised ?? 0) + (a?.unauthorised ?? 0)).toBe(a?.matched);
      expect(a?.verdicts.valid).toBe(a?.authorised);
    }
    expect(r.authorisations?.extraQueries).toBe(EXTRA);
  });

  it('measures minimum necessary per party, and the trails agree with the ledger', () => {
    const g = run.report.governance;
    expect(g?.ledgerAgreement.checked).toBeGreaterThan(8);
    expect(g?.ledgerAgreement.disagreements).toEqual([]);
    const m = g?.minimumNecessary ?? {};
    // the misbehaving bank's values left for the businesses it was not asked about; the holders' never did
    expect(m.bank?.records.valuesBeyondNeed).toBe(EXTRA);
    for (const holder of ['tax', 'guarantor']) {
      expect(m[holder]?.records.valuesBeyondNeed, holder).toBe(0);
      expect(m[holder]?.records.leftAsEncryptedValues).toBe(g?.authorisations[holder]?.authorised);
      expect(m[holder]?.columns.usedBeyondNeed).toEqual([]);
      // PSI: every customer's blinded id leaves the holder, needed or not: the report says so
      expect(m[holder]?.records.leftAsBlindedIds).toBe(run.report.businesses.perParty[holder]?.rows);
    }
  });

  it('the regulator flags and suspends the bank; the coordinator refuses its next job with AUTH_ERR_SUSPENDED', () => {
    const reg = run.report.regulator;
    const rules = new Set(reg?.reviews.flatMap((v) => v.flags.filter((f) => f.participant === 'bank').map((f) => f.rule)));
    expect(rules).toEqual(new Set(['over-asking', 'unauthorised']));
    expect(reg?.suspended).toEqual(['bank']);
    expect(reg?.refusedJob?.ok).toBe(false);
    expect(reg?.refusedJob?.error?.code).toBe('AUTH_ERR_SUSPENDED');
  });

  it('keeps every trail and filing owner-only, and never a business id in a trail (a planted one is found)', () => {
    const jobDir = join(run.runDir, 'jobs', 'threshold');
    const trails = [
      join(jobDir, 'coordinator', 'audit.jsonl'),
      ...readdirSync(join(jobDir, 'parties')).map((p) => join(jobDir, 'parties', p, 'out', 'audit.jsonl')),
    ];
    for (const f of [...trails, join(run.runDir, 'regulator', 'audit.jsonl'), join(jobDir, 'coordinator', 'filing.json')])
      expect(statSync(f).mode & 0o777, f).toBe(0o600);
    const text = trails.map((f) => readFileSync(f, 'utf8')).join('\n');
    expect(idsIn(text)).toEqual([]);
    expect(idsIn(`${text}${applicants[0]}`)).toEqual([applicants[0]]);
  });

  it('verifies untouched (CLI exit 0), and names an edited, a deleted and a reordered line in any trail (CLI exit 1)', async () => {
    expect((await verifyCli(run.runDir)).code).toBe(0);
    const cases: [string, string, (l: string[]) => void, RegExp, number][] = [
      [
        'jobs/threshold/parties/tax/out/audit.jsonl',
        'tax',
        (l) => {
          l[3] = (l[3] as string).replace(/"peer":"coordinator"/, '"peer":"bank"');
        },
        /was edited/,
        4,
      ],
      ['jobs/threshold/coordinator/audit.jsonl', 'coordinator', (l) => void l.splice(6, 1), /entry 6 is missing .*deleted/, 7],
      ['jobs/threshold/parties/bank/out/audit.jsonl', 'bank', (l) => void l.splice(2, 2, l[3] as string, l[2] as string), /reordered/, 3],
      ['regulator/audit.jsonl', 'regulator', (l) => void l.splice(1, 1), /missing .*deleted/, 2],
    ];
    for (const [k, [file, participant, change, problem, line]] of cases.entries()) {
      const copy = tampered(file, change);
      // the first through the fedrisk process (its exit status), the rest in this process: the same command
      const { code, out } = await (k === 0 ? verifyCli(copy) : verifyInProcess(copy));
      expect(code, file).toBe(1);
      expect(out, file).toMatch(new RegExp(`FINDING ${file.replaceAll('/', '\\/').replaceAll('.', '\\.')}:${line} \\(${participant}\\): .*${problem.source}`));
    }
  }, 60_000);
});

describe('the regulator and a bank whose filing is not a filing', () => {
  it('flags it, judges the bank on the holders reports alone, suspends it, and does not crash', async () => {
    const scenario = await loadScenario(SCENARIO);
    if (scenario.data.kind === 'synthetic') scenario.data.businesses = 2000;
    scenario.job.applicants = 600;
    scenario.governance.misbehave = undefined;
    // the bank leaves garbage where its filing should be, once its job has ended
    const base = inProcess();
    const launcher: Launcher = {
      ...base,
      kind: base.kind,
      keygen: (party, file) => base.keygen(party, file),
      coordinator: (l, on) => base.coordinator(l, on),
      node: (l, on) => {
        const p = base.node(l, on);
        if (l.party !== 'bank') return p;
        const exited = p.exited.then((code) => {
          writeFileSync(join(dirname(l.configFile), 'out', 'filing.json'), '{"job": "not a filing"');
          return code;
        });
        return Object.assign(Object.create(p) as typeof p, { exited });
      },
    };
    const result = await runScenario({ scenario, scenarioFile: SCENARIO, runsDir: fileTempDir('fedrisk-gov-'), launcher, logLevel: 'warn' });
    const flags = result.report.regulator?.reviews.flatMap((v) => v.flags.filter((f) => f.participant === 'bank')) ?? [];
    expect(flags.map((f) => f.rule)).toEqual(expect.arrayContaining(['filing', 'inconsistent']));
    expect(flags.find((f) => f.rule === 'filing')?.detail).toMatch(/unreadable or not a filing/);
    expect(result.report.regulator?.suspended).toEqual(['bank']);
  }, 120_000);
});
