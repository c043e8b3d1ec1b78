/**
 * npm run bench -- defences: what the defences against cheating parties and
 * a cheating coordinator cost (issue 11: at most 1.3x). The default scenario
 * runs each key design with the defences on and off (agreement pinning,
 * signatures, commit-then-reveal, re-summing before decryption, sealed PSI
 * assignments), twice, in the same run. Signing, sealing and TLS are
 * always on, so their cost is in both columns (said in the output).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScenario } from '@fedrisk/runner';
import { loadScenario } from '@fedrisk/shared';

const ROUNDS = 2;

export async function defencesBench(out: (line?: string) => void): Promise<void> {
  const file = new URL('../scenarios/default.yaml', import.meta.url).pathname;
  const scenario = await loadScenario(file);
  // both, with no attack staged: every job of the run is an honest one, with and without the checks
  scenario.defences = 'both';
  const designs = [scenario.job.keys, ...scenario.job.compareWith];
  out(
    `bench · defences on vs off, ${scenario.job.applicants} applicants, ${scenario.parties.length} parties, designs ${designs.join(' and ')}, ${ROUNDS} rounds`,
  );
  const times = new Map<string, { job: number[]; afterJoin: number[] }>();
  const runsDir = mkdtempSync(join(tmpdir(), 'fedrisk-bench-defences-'));
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const run = await runScenario({ scenario, scenarioFile: file, runsDir });
      // the run does each design with the defences on, then off
      run.report.designs.forEach((d, i) => {
        if (!d.ok) throw new Error(`defences benchmark: ${d.keys} failed: ${d.error?.code} ${d.error?.message}`);
        const key = `${d.keys} ${i % 2 === 0 ? 'on' : 'off'}`;
        const t = times.get(key) ?? { job: [], afterJoin: [] };
        t.job.push(d.timings.jobMs);
        t.afterJoin.push(d.timings.afterJoinMs);
        times.set(key, t);
      });
    }
  } finally {
    rmSync(runsDir, { recursive: true, force: true });
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  out();
  out('| design | job, defences on | job, defences off | ratio on/off | after join, on | after join, off | ratio |');
  out('| --- | --- | --- | --- | --- | --- | --- |');
  for (const keys of designs) {
    const on = times.get(`${keys} on`);
    const off = times.get(`${keys} off`);
    if (!on || !off) continue;
    const [jOn, jOff, aOn, aOff] = [mean(on.job), mean(off.job), mean(on.afterJoin), mean(off.afterJoin)];
    out(
      `| ${keys} | ${(jOn / 1000).toFixed(2)} s | ${(jOff / 1000).toFixed(2)} s | ${(jOn / jOff).toFixed(2)} | ${(aOn / 1000).toFixed(2)} s | ${(aOff / 1000).toFixed(2)} s | ${(aOn / aOff).toFixed(2)} |`,
    );
  }
  out();
  out('Target (issue 11): the defences make the default scenario at most 1.3x slower (ratio on/off <= 1.3).');
  out('"off" skips the agreement check, every signature and commitment check, the commit round and the');
  out('re-summing before decryption; the senders still sign and seal, and TLS stays on, so what signing,');
  out('sealing and TLS cost is in both columns (they are not switchable: nothing runs without them).');
}
