/**
 * npm run bench -- scale: the same joint-scoring job (threshold keys, three
 * parties, query alignment) at 10,000, 100,000 and 1,000,000 businesses, with
 * per-business time, bytes and memory, and the ratio to an encryption floor
 * measured in the same run: the same number of encode+encrypt operations,
 * holders' decryption shares and final decryptions, spread over both cores
 * (two worker threads), nothing else.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { type DesignResult, runScenario } from '@fedrisk/runner';
import { loadScenario, partySummarySchema, readJsonFile, type Scenario } from '@fedrisk/shared';

const out = (line = '') => process.stdout.write(`${line}\n`);
const gib = (n: number) => `${(n / 2 ** 30).toFixed(2)} GiB`;

/** The floor for one job: wall time of two workers sharing the encryptions, shares and decryptions. */
export async function encryptionFloor(chunks: number, parties: number): Promise<{ ms: number; encryptMs: number }> {
  const encrypts = chunks * parties;
  const halves = [Math.ceil(encrypts / 2), Math.floor(encrypts / 2)];
  const decrypts = [Math.ceil(chunks / 2), Math.floor(chunks / 2)];
  const workers = halves.map(
    (e, k) => new Worker(new URL('./floor-worker.ts', import.meta.url), { workerData: { encrypts: e, decrypts: decrypts[k], parties } }),
  );
  try {
    await Promise.all(workers.map((w) => new Promise((r) => w.once('message', r))));
    const done = workers.map((w) => new Promise<{ encryptMs: number; totalMs: number }>((r) => w.once('message', r)));
    const t0 = performance.now();
    for (const w of workers) w.postMessage('go');
    const results = await Promise.all(done);
    return { ms: performance.now() - t0, encryptMs: Math.max(...results.map((r) => r.encryptMs)) };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

function sized(base: Scenario, businesses: number): Scenario {
  const s = structuredClone(base);
  if (s.data.kind !== 'synthetic') throw new Error('the scale bench needs synthetic data');
  s.data.businesses = Math.round(businesses * 1.4);
  s.job.applicants = businesses;
  s.name = `bench-scale-${businesses}`;
  return s;
}

export async function scaleBench(sizes = [10_000, 100_000, 1_000_000]): Promise<void> {
  const file = new URL('../scenarios/bench-1m.yaml', import.meta.url).pathname;
  const base = await loadScenario(file);
  const format = process.env.FEDRISK_BENCH_FORMAT;
  if (format === 'parquet' || format === 'duckdb' || format === 'csv') if (base.data.kind === 'synthetic') base.data.format = format;
  out(
    `bench · scale: joint scoring, threshold keys, ${base.parties.length} parties, alignment ${base.job.alignment}, data ${base.data.kind === 'synthetic' ? base.data.format : 'csv'}`,
  );
  out();
  out(
    '| businesses | whole run | job (start to last message) | after join | floor (same crypto, 2 cores) | after join / floor | job per business | bytes per business | peak RSS per party | runner peak RSS |',
  );
  out('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  const phases: string[] = [];
  for (const n of sizes) {
    const scenario = sized(base, n);
    const runsDir = mkdtempSync(join(tmpdir(), 'fedrisk-bench-scale-'));
    try {
      const run = await runScenario({ scenario, scenarioFile: file, runsDir });
      // read before the floor is measured: its workers run SEAL in this process too
      const runnerPeak = process.resourceUsage().maxRSS * 1024;
      const d = run.report.designs[0] as DesignResult;
      if (!d.ok) throw new Error(`scale run at ${n} failed: ${d.error?.code} ${d.error?.message}`);
      const chunks = Math.ceil(n / (scenario.crypto.ckks.polyModulusDegree / 2));
      const floor = await encryptionFloor(chunks, scenario.parties.length);
      const rss = scenario.parties.map((p) => {
        const s = readJsonFile(join(run.runDir, 'jobs', d.keys, 'parties', p.id, 'out', 'summary.json'), partySummarySchema, 'summary');
        return `${p.id} ${gib(s.peakRssBytes ?? 0)}`;
      });
      const t = d.timings;
      out(
        `| ${n.toLocaleString('en')} | ${(run.report.totalMs / 1000).toFixed(1)} s (data ${(run.report.dataMs / 1000).toFixed(1)} s) | ${(t.jobMs / 1000).toFixed(2)} s | ${(t.afterJoinMs / 1000).toFixed(2)} s | ${(floor.ms / 1000).toFixed(2)} s (encrypt ${(floor.encryptMs / 1000).toFixed(2)} s) | ${(t.afterJoinMs / floor.ms).toFixed(2)}x | ${((t.jobMs * 1000) / n).toFixed(1)} µs | ${(d.bytesOnWire / n).toFixed(0)} B | ${rss.join(', ')} | ${gib(runnerPeak)} |`,
      );
      phases.push(`${n}: ${d.phases.map((p) => `${p.name} ${(p.ms / 1000).toFixed(2)} s`).join(' · ')}`);
    } finally {
      rmSync(runsDir, { recursive: true, force: true });
    }
  }
  out();
  out('Targets (issue 18) at 1,000,000: job <= 12 s, after join <= 1.5x the floor, whole run <= 60 s, party <= 1 GiB, runner <= 1.5 GiB.');
  out('The runner peak is cumulative over the sizes run so far (it is one process), read before the floor is measured. Phases per size:');
  for (const p of phases) out(`  ${p}`);
}
