/**
 * npm run bench -- paillier: threshold CKKS against per-value Paillier (as
 * FATE's hetero-LR uses it) on the same scoring job, measured in one run:
 * scenarios/default.yaml (12,000 applicants, 3 parties, real processes), the
 * threshold design on every applicant, the paillier design on a sample.
 * Throughput is values per second through the phases whose work grows with
 * the values (encrypt, aggregate, decrypt); the whole job is compared too,
 * Paillier's scaled from its sample (said so).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DesignResult, runScenario } from '@fedrisk/runner';
import { loadScenario } from '@fedrisk/shared';

const out = (line = '') => process.stdout.write(`${line}\n`);
const SAMPLE = 64;

/** Milliseconds in the phases whose work grows with the number of values. */
const perValueMs = (d: DesignResult) => d.phases.filter((p) => ['encrypt', 'aggregate', 'decrypt'].includes(p.name)).reduce((s, p) => s + p.ms, 0);

export async function paillierBench(): Promise<void> {
  const file = new URL('../scenarios/default.yaml', import.meta.url).pathname;
  const scenario = await loadScenario(file);
  scenario.job.keys = 'threshold';
  scenario.job.compareWith = ['paillier'];
  scenario.crypto.paillier = { ...scenario.crypto.paillier, sample: SAMPLE };
  const runsDir = mkdtempSync(join(tmpdir(), 'fedrisk-bench-paillier-'));
  try {
    out(`bench · threshold CKKS vs per-value Paillier (${scenario.crypto.paillier.keyBits}-bit), same scoring job: scenarios/default.yaml, 3 parties`);
    const run = await runScenario({ scenario, scenarioFile: file, runsDir });
    const ckks = run.report.designs.find((d) => d.keys === 'threshold');
    const paillier = run.report.designs.find((d) => d.keys === 'paillier');
    if (!ckks?.ok || !paillier?.ok || !paillier.sample)
      throw new Error(`paillier benchmark failed: ${[ckks, paillier].map((d) => `${d?.keys} ${d?.error?.code ?? ''}`).join('; ')}`);
    const n = ckks.verification?.scored ?? 0;
    const s = paillier.sample;
    const ckksRate = n / (perValueMs(ckks) / 1000);
    const paillierRate = s.values / (perValueMs(paillier) / 1000);
    const ckksJob = ckks.timings.afterJoinMs / 1000;
    const paillierJob = s.extrapolated.afterJoinMs / 1000;
    out();
    out('| measure | threshold CKKS | paillier | threshold CKKS against Paillier |');
    out('| --- | --- | --- | --- |');
    out(
      `| values per second, encrypt + aggregate + decrypt | ${ckksRate.toFixed(0)} (${n} values) | ${paillierRate.toFixed(2)} (${s.values} values) | ${(ckksRate / paillierRate).toFixed(0)}x the throughput |`,
    );
    out(
      `| job after join, ${s.of} applicants | ${ckksJob.toFixed(1)} s | ${paillierJob.toFixed(1)} s (scaled from ${s.values}) | ${(paillierJob / ckksJob).toFixed(0)}x faster |`,
    );
    out(
      `| bytes on the wire per applicant | ${(ckks.bytesOnWire / n).toFixed(0)} | ${(s.extrapolated.bytesOnWire / s.of).toFixed(0)} (scaled) | ${(s.extrapolated.bytesOnWire / s.of / (ckks.bytesOnWire / n)).toFixed(1)}x fewer |`,
    );
    out(`| max logit error | ${ckks.verification?.maxAbsLogitError.toExponential(1)} | ${paillier.verification?.maxAbsLogitError.toExponential(1)} | |`);
    out();
    out('  Paillier: paillier-bigint (JavaScript BigInt, CRT decryption), one ciphertext per value. GMP-based');
    out('  implementations (FATE uses gmpy2) are faster per operation, so the ratio against them would be');
    out('  smaller; it was not measured here. Both designs were measured in this run, on this machine.');
  } finally {
    rmSync(runsDir, { recursive: true, force: true });
  }
}
