/**
 * Issue 8: the default design (threshold keys, PSI alignment) under simulated
 * network conditions, with real processes. Every step runs exactly once
 * however the links delay messages, and a party that refuses something and
 * leaves is named with its own reason.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runScenario } from '@fedrisk/runner';
import type { NetworkConditions } from '@fedrisk/shared';
import { describe, expect, it } from 'vitest';
import { smallScenario, tempDir } from '../helpers/fixtures.ts';

async function runUnder(network: NetworkConditions) {
  const scenario = await smallScenario((s) => {
    s.job.compareWith = [];
    if (s.data.kind === 'synthetic') s.data.businesses = 1500;
    s.job.applicants = 1000;
    s.network = network;
  });
  expect(scenario.job.keys).toBe('threshold');
  expect(scenario.job.alignment).toBe('psi');
  return runScenario({ scenario, scenarioFile: 'network', runsDir: tempDir() });
}

/** How many messages of each type the coordinator sent to each party, from the job's trace. */
function sentCounts(runDir: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of readFileSync(join(runDir, 'jobs', 'threshold', 'trace.jsonl'), 'utf8')
    .trim()
    .split('\n')) {
    const e = JSON.parse(line) as { from: string; to: string; type: string };
    if (e.from !== 'coordinator') continue;
    const key = `${e.type}>${e.to}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

describe('threshold keys and PSI over a simulated wide-area network (real processes)', () => {
  for (const [name, network] of [
    ['latency', { latencyMs: 40 }],
    ['a bandwidth limit', { latencyMs: 0, bandwidthMbps: 20 }],
    ['latency and a bandwidth limit', { latencyMs: 30, bandwidthMbps: 100 }],
  ] as const) {
    it(`succeeds under ${name}, each step once`, async () => {
      const { report, runDir } = await runUnder(network);
      expect(report.ok, JSON.stringify(report.error)).toBe(true);
      expect(report.verification?.maxAbsLogitError).toBeLessThanOrEqual(1e-4);
      expect(report.phases.map((p) => p.name)).toEqual(['join', 'align', 'keys', 'encrypt', 'aggregate', 'decrypt', 'reasons']);
      const sent = sentCounts(runDir);
      for (const party of ['bank', 'tax', 'guarantor']) {
        // one decryption request per party: the aggregation step ran once
        expect(sent.get(`decrypt.request>${party}`), party).toBe(1);
        expect(sent.get(`align.done>${party}`), party).toBe(1);
        expect(sent.get(`job.end>${party}`), party).toBe(1);
      }
      if (network.latencyMs > 0) {
        // after join: align.done, key shares, inputs, request, shares, result: at least 8 sequential one-way hops
        expect(report.timings.afterJoinMs).toBeGreaterThanOrEqual(8 * network.latencyMs);
      }
    });
  }

  it('a party that refuses and leaves is named with its own reason, even when its last frame is delayed', async () => {
    const scenario = await smallScenario((s) => {
      s.job.compareWith = [];
      if (s.data.kind === 'synthetic') s.data.businesses = 1500;
      s.job.applicants = 1000;
      s.network = { latencyMs: 60 };
      // a weight no CKKS slot can hold: the guarantor refuses to encrypt, tells the coordinator and leaves
      const g = s.model.guarantor;
      if (g?.features?.past_compensation_count?.transform === 'z') g.features.past_compensation_count.weight = 1e30;
    });
    const { report } = await runScenario({ scenario, scenarioFile: 'refusal', runsDir: tempDir() });
    expect(report.ok).toBe(false);
    expect(report.error?.code).toBe('JOB_ERR_MISMATCH');
    expect(report.error?.message).toMatch(/party guarantor stopped the job: guarantor's partial logit for slot \d+ is beyond/);
    expect(report.refusals).toEqual([expect.objectContaining({ party: 'guarantor', code: 'JOB_ERR_MISMATCH' })]);
  });
});
