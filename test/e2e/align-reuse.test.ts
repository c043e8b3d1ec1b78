/**
 * PSI once per run: the second design's job reuses the first one's
 * alignment, each party from its own owner-only record, and runs no PSI; a
 * record that does not fit what its party holds is refused, and turning
 * reuse off brings PSI back in every job (the control that shows the
 * "no PSI message" assertion can fail).
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Launcher, type Report, runScenario } from '@fedrisk/runner';
import { alignmentRecordSchema, nodeConfigSchema } from '@fedrisk/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { fileTempDir, inProcess, smallScenario } from '../helpers/fixtures.ts';

const scenarioOf = (reuse: boolean) =>
  smallScenario((s) => {
    s.job.keys = 'threshold';
    s.job.compareWith = ['single-holder'];
    s.job.alignment = 'psi';
    s.job.reuseAlignment = reuse;
    if (s.data.kind === 'synthetic') s.data.businesses = 1500;
    s.job.applicants = 800;
  });

/** The message types of one job, by sender, from its trace. */
function typesOf(runDir: string, job: string): { from: string; type: string }[] {
  return readFileSync(join(runDir, 'jobs', job, 'trace.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { event: string; from: string; type: string })
    .filter((e) => e.event === 'message');
}

/** Rewrites a JSON file in place (a record altered between the jobs). */
function edit(file: string, change: (r: Record<string, unknown>) => Record<string, unknown>): void {
  writeFileSync(file, JSON.stringify(change(JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>)));
}

const psiTypes = (runDir: string, job: string) => typesOf(runDir, job).filter((m) => m.type.startsWith('psi.'));

let reused: { report: Report; runDir: string };
let fresh: { report: Report; runDir: string };

beforeAll(async () => {
  const runsDir = fileTempDir('fedrisk-reuse-');
  reused = await runScenario({ scenario: await scenarioOf(true), scenarioFile: 'reuse', runsDir, launcher: inProcess() });
  fresh = await runScenario({ scenario: await scenarioOf(false), scenarioFile: 'fresh', runsDir, launcher: inProcess() });
}, 240_000);

describe('alignment reused within a run', () => {
  it('both designs succeed and are verified; the second says whose alignment it reused', () => {
    for (const d of reused.report.designs) {
      expect(d.ok, `${d.keys}: ${d.error?.message}`).toBe(true);
      expect(d.verification?.maxAbsLogitError).toBeLessThan(1e-4);
    }
    expect(reused.report.designs.map((d) => d.alignment.reusedFrom)).toEqual([undefined, 'threshold']);
  });

  it('the second job runs no PSI: every party reports its own record, and each learned what it learned the first time', () => {
    expect(psiTypes(reused.runDir, 'threshold').length).toBeGreaterThan(0);
    expect(psiTypes(reused.runDir, 'single-holder')).toEqual([]);
    const senders = typesOf(reused.runDir, 'single-holder')
      .filter((m) => m.type === 'align.reused')
      .map((m) => m.from)
      .sort();
    expect(senders).toEqual(['bank', 'guarantor', 'tax']);
    const [first, second] = reused.report.designs as [Report['designs'][number], Report['designs'][number]];
    expect(second.alignment.holders).toEqual(first.alignment.holders);
  });

  it('the holders verify each authorisation signature once per run: the second job remembers them, with the same verdicts', () => {
    const [first, second] = reused.report.designs as [Report['designs'][number], Report['designs'][number]];
    for (const holder of ['tax', 'guarantor']) {
      const a = first.governance?.authorisations[holder];
      const b = second.governance?.authorisations[holder];
      expect(a?.signatures?.verified).toBeGreaterThan(0);
      expect(b?.signatures).toEqual({ verified: 0, remembered: a?.signatures?.verified });
      expect(b?.verdicts).toEqual(a?.verdicts);
      expect(statSync(join(reused.runDir, 'jobs', 'threshold', 'parties', holder, 'verified-signatures.json')).mode & 0o077).toBe(0);
    }
    // reuse off: nothing is kept, every job verifies every signature
    expect(fresh.report.designs[1]?.governance?.authorisations.tax?.signatures).toBeUndefined();
  });

  it('the records are owner-only and hold what each party learned, nothing about others', () => {
    for (const party of ['bank', 'tax', 'guarantor']) {
      const file = join(reused.runDir, 'jobs', 'threshold', 'parties', party, 'alignment.json');
      expect(statSync(file).mode & 0o077).toBe(0);
      const record = alignmentRecordSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
      expect(record.party).toBe(party);
      if (party !== 'bank') expect(record.matched).toBeUndefined();
    }
  });

  it('with job.reuseAlignment false every design runs its own PSI (the control: the assertion above can fail)', () => {
    expect(psiTypes(fresh.runDir, 'single-holder').length).toBeGreaterThan(0);
    expect(fresh.report.designs.map((d) => d.alignment.reusedFrom)).toEqual([undefined, undefined]);
    expect(fresh.report.designs.every((d) => d.ok)).toBe(true);
  });

  // each case alters one thing between the jobs, as a deviating coordinator or a changed party would
  const cases: {
    what: string;
    code: string;
    message: RegExp;
    party?: (file: string, cfg: Record<string, unknown>) => void;
    coordinator?: (cfg: Record<string, unknown>) => void;
  }[] = [
    {
      what: 'a record that does not fit the records its party holds now',
      code: 'JOB_ERR_ALIGNMENT_RECORD',
      message: /tax cannot reuse the alignment .*does not fit the records this party holds now/,
      party: (file) => edit(file, (r) => ({ ...r, inputDigest: '0'.repeat(64) })),
    },
    {
      what: 'a record of another job',
      code: 'JOB_ERR_ALIGNMENT_RECORD',
      message: /tax cannot reuse the alignment .*the record is of job job-other/,
      party: (file) => edit(file, (r) => ({ ...r, jobId: 'job-other' })),
    },
    {
      what: 'a record made with the defences off, for a defended job',
      code: 'JOB_ERR_ALIGNMENT_RECORD',
      message: /made with the defences off/,
      party: (file) => edit(file, (r) => ({ ...r, defences: false })),
    },
    {
      what: 'a coordinator that runs PSI again where every party agreed to reuse',
      code: 'JOB_ERR_NOT_AGREED',
      message: /alignment reused from job/,
      coordinator: (cfg) => {
        delete cfg.reuseAlignment;
      },
    },
  ];
  for (const c of cases)
    it(`refuses ${c.what}, with a coded error`, async () => {
      const base = inProcess();
      const tampering: Launcher = {
        ...base,
        kind: base.kind,
        keygen: (party, file) => base.keygen(party, file),
        coordinator: (l, on) => {
          const cfg = JSON.parse(readFileSync(l.configFile, 'utf8')) as Record<string, unknown>;
          if (cfg.reuseAlignment && c.coordinator) {
            c.coordinator(cfg);
            writeFileSync(l.configFile, JSON.stringify(cfg));
          }
          return base.coordinator(l, on);
        },
        node: (l, on) => {
          const cfg = nodeConfigSchema.parse(JSON.parse(readFileSync(l.configFile, 'utf8')));
          if (l.party === 'tax' && cfg.reuseAlignmentFrom) c.party?.(cfg.reuseAlignmentFrom, cfg);
          return base.node(l, on);
        },
      };
      const { report } = await runScenario({
        scenario: await scenarioOf(true),
        scenarioFile: 'tamper',
        runsDir: fileTempDir('fedrisk-reuse-'),
        launcher: tampering,
      });
      const [first, second] = report.designs as [Report['designs'][number], Report['designs'][number]];
      expect(first.ok).toBe(true);
      expect(second.ok).toBe(false);
      expect(second.error?.code).toBe(c.code);
      expect(second.error?.message).toMatch(c.message);
    }, 120_000);
});
