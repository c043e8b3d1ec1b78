/**
 * npm run bench: figures measured in one run, as ratios to a baseline
 * measured in the same run.
 *  - joint scoring of 100,000 businesses, end to end with real processes,
 *    against the same computation in plaintext in this process.
 */

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScenario } from '@fedrisk/runner';
import { loadPartyCsv, loadScenario, type PartyModel, partialLogitsFor } from '@fedrisk/shared';

const out = (line = '') => process.stdout.write(`${line}\n`);
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

async function main(): Promise<void> {
  const file = new URL('../scenarios/bench-100k.yaml', import.meta.url).pathname;
  const scenario = await loadScenario(file);
  const runsDir = mkdtempSync(join(tmpdir(), 'fedrisk-bench-'));
  try {
    out(`bench · joint scoring, ${scenario.job.applicants} applicants, ${scenario.parties.length} parties`);
    const run = await runScenario({
      scenario,
      scenarioFile: file,
      runsDir,
      onLine: (l) => (l.startsWith('  ') && !l.startsWith('  encrypt') && !l.startsWith('  decrypt') ? out(`  ${l}`) : undefined),
    });
    if (!run.ok) throw new Error(`benchmark run failed: ${run.report.error?.code} ${run.report.error?.message}`);
    const r = run.report;
    const jobPhasesMs = r.phases.filter((p) => p.name !== 'join').reduce((s, p) => s + p.ms, 0);

    // plaintext baseline on the same files: load, compute every partial, add
    const ids = readFileSync(join(run.runDir, 'parties', scenario.job.recipient, 'applicants.txt'), 'utf8')
      .trim()
      .split('\n');
    const t0 = performance.now();
    const sum = new Float64Array(ids.length);
    let computeMs = 0;
    for (const p of scenario.parties) {
      const table = await loadPartyCsv(join(run.runDir, 'data', `${p.id}.csv`), p.role);
      const tc = performance.now();
      const { values } = partialLogitsFor(table, scenario.model[p.id] as PartyModel, ids);
      for (let i = 0; i < sum.length; i++) sum[i] = (sum[i] as number) + (values[i] as number);
      computeMs += performance.now() - tc;
    }
    const plainMs = performance.now() - t0;

    out();
    out('| measure | encrypted (single holder) | plaintext | ratio |');
    out('| --- | --- | --- | --- |');
    out(
      `| scoring after everyone joined (keys..decrypt) | ${(jobPhasesMs / 1000).toFixed(2)} s | ${(computeMs / 1000).toFixed(3)} s compute | ${(jobPhasesMs / computeMs).toFixed(1)}x |`,
    );
    out(
      `| whole job incl. process start and data load | ${(r.timings.jobMs / 1000).toFixed(2)} s | ${(plainMs / 1000).toFixed(3)} s load+compute | ${(r.timings.jobMs / plainMs).toFixed(1)}x |`,
    );
    out(
      `| bytes on the wire | ${mb(r.bytesOnWire)} | ${mb(ids.length * 8 * (scenario.parties.length - 1))} (raw float64 partials) | ${(r.bytesOnWire / (ids.length * 8 * (scenario.parties.length - 1))).toFixed(1)}x |`,
    );
    out(`| max abs logit error | ${r.verification?.maxAbsLogitError.toExponential(2)} | 0 | |`);
    out();
    out(`phases: ${r.phases.map((p) => `${p.name} ${p.ms.toFixed(0)} ms`).join(' · ')}`);
  } finally {
    rmSync(runsDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
