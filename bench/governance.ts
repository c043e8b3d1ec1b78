/**
 * npm run bench -- governance: what the audit trail (and the authorisation
 * checks) cost on the default scenario's job, as ratios to the same job
 * without them, measured in the same run. The default job (threshold keys,
 * 12,000 applicants, OS processes) runs with governance off, with the audit
 * trail only, and with the trail and authorisations (the default), twice
 * each in turn; each variant's faster run counts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScenario } from '@fedrisk/runner';
import { loadScenario, type Scenario } from '@fedrisk/shared';

const out = (line = '') => process.stdout.write(`${line}\n`);
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

const VARIANTS = [
  { name: 'no governance', audit: false, authorisations: false },
  { name: 'audit trail', audit: true, authorisations: false },
  { name: 'audit trail + authorisations (default)', audit: true, authorisations: true },
] as const;

export async function governanceBench(rounds = 2): Promise<void> {
  const file = new URL('../scenarios/default.yaml', import.meta.url).pathname;
  const base = await loadScenario(file);
  out(
    `bench · governance: the default job (threshold keys, ${base.job.applicants} applicants, OS processes), with and without the audit trail, ${rounds} rounds`,
  );
  const best = new Map<string, { jobMs: number; afterJoinMs: number; bytes: number }>();
  const runsDir = mkdtempSync(join(tmpdir(), 'fedrisk-bench-gov-'));
  try {
    for (let round = 0; round < rounds; round++) {
      for (const v of VARIANTS) {
        const scenario: Scenario = structuredClone(base);
        scenario.job.compareWith = [];
        scenario.governance.audit = v.audit;
        scenario.governance.authorisations.required = v.authorisations;
        const run = await runScenario({ scenario, scenarioFile: file, runsDir });
        const d = run.report.designs[0];
        if (!run.ok || !d) throw new Error(`${v.name}: ${run.report.error?.code} ${run.report.error?.message}`);
        const seen = best.get(v.name);
        if (!seen || d.timings.jobMs < seen.jobMs) best.set(v.name, { jobMs: d.timings.jobMs, afterJoinMs: d.timings.afterJoinMs, bytes: d.bytesOnWire });
      }
    }
  } finally {
    rmSync(runsDir, { recursive: true, force: true });
  }
  const off = best.get(VARIANTS[0].name) as { jobMs: number; afterJoinMs: number; bytes: number };
  out();
  out('| variant | job | after join | on the wire | job time vs no governance |');
  out('| --- | --- | --- | --- | --- |');
  for (const v of VARIANTS) {
    const b = best.get(v.name) as { jobMs: number; afterJoinMs: number; bytes: number };
    out(
      `| ${v.name} | ${sec(b.jobMs)} | ${sec(b.afterJoinMs)} | ${(b.bytes / 1024 / 1024).toFixed(1)} MB | ${(b.jobMs / off.jobMs).toFixed(3)}x${v.audit && !v.authorisations ? ' (target <= 1.10x)' : ''} |`,
    );
  }
}
