/**
 * PSI once per run: the second design's job reuses the first one's
 * alignment, each party from its own owner-only record, and runs no PSI; a
 * record that does not fit what its party holds is refused, and turning
 * reuse off brings PSI back in every job (the control that shows the
 * "no PSI message" assertion can fail).
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inProcessLauncher, type Launcher, type Report, runScenario } from '@fedrisk/runner';
import { alignmentRecordSchema, nodeConfigSchema } from '@fedrisk/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { fileTempDir, smallScenario } from '../helpers/fixtures.ts';

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

const psiTypes = (runDir: string, job: string) => typesOf(runDir, job).filter((m) => m.type.startsWith('psi.'));

let reused: { report: Report; runDir: string };
let fresh: { report: Report; runDir: string };

beforeAll(async () => {
  const runsDir = fileTempDir('fedrisk-reuse-');
  reused = await runScenario({ scenario: await scenarioOf(true), scenarioFile: 'reuse', runsDir, launcher: 'in-process' });
  fresh = await runScenario({ scenario: await scenarioOf(false), scenarioFile: 'fresh', runsDir, launcher: 'in-process' });
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

  it('a party whose record does not fit what it holds refuses the job, with a coded error naming it', async () => {
    // the tax bureau's record is altered between the jobs: as if its records had changed since
    const base = inProcessLauncher();
    const tampering: Launcher = {
      ...base,
      kind: base.kind,
      keygen: (party, file) => base.keygen(party, file),
      coordinator: (l, on) => base.coordinator(l, on),
      node: (l, on) => {
        const cfg = nodeConfigSchema.parse(JSON.parse(readFileSync(l.configFile, 'utf8')));
        if (l.party === 'tax' && cfg.reuseAlignmentFrom) {
          const record = JSON.parse(readFileSync(cfg.reuseAlignmentFrom, 'utf8')) as { inputDigest: string };
          record.inputDigest = '0'.repeat(64);
          writeFileSync(cfg.reuseAlignmentFrom, JSON.stringify(record));
        }
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
    expect(second.error?.code).toBe('JOB_ERR_ALIGNMENT_RECORD');
    expect(second.error?.message).toMatch(/tax cannot reuse the alignment .* other records/);
  }, 120_000);
});
