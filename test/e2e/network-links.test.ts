/**
 * Issue 18: a scenario's network can slow one party's link alone
 * (`network.links`); the coordinator delays that party's frames, and no one
 * else's, in a real job.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runScenario } from '@fedrisk/runner';
import { describe, expect, it } from 'vitest';
import { fileTempDir, inProcess, smallScenario } from '../helpers/fixtures.ts';

/** When the coordinator handed each message to each party's socket, from the job's trace (ms since its start). */
function sentAt(runDir: string, keys: string): Map<string, number> {
  const at = new Map<string, number>();
  for (const line of readFileSync(join(runDir, 'jobs', keys, 'trace.jsonl'), 'utf8')
    .trim()
    .split('\n')) {
    const e = JSON.parse(line) as { from: string; to: string; type: string; at: number };
    if (e.from === 'coordinator') at.set(`${e.type}>${e.to}`, e.at);
  }
  return at;
}

describe('per-party simulated links', () => {
  it("a slow tax bureau's link delays the frames to the tax bureau only", async () => {
    const latencyMs = 150;
    const scenario = await smallScenario((s) => {
      s.job.alignment = 'query';
      s.job.compareWith = [];
      s.job.keys = 'single-holder';
      if (s.data.kind === 'synthetic') s.data.businesses = 400;
      s.job.applicants = 50;
      s.network = { latencyMs: 0, links: { tax: { latencyMs } } };
    });
    const { report, runDir } = await runScenario({ scenario, scenarioFile: 'links', runsDir: fileTempDir('fedrisk-links-'), launcher: inProcess() });
    expect(report.ok, JSON.stringify(report.error)).toBe(true);
    expect(report.scenario.network.links).toEqual({ tax: { latencyMs } });
    const at = sentAt(runDir, 'single-holder');
    // job.start goes to every party at the same moment, once all have joined; only the tax bureau's copy travels the slow link
    const toBank = at.get('job.start>bank') as number;
    const toGuarantor = at.get('job.start>guarantor') as number;
    const toTax = at.get('job.start>tax') as number;
    expect(toTax - toBank).toBeGreaterThanOrEqual(latencyMs - 1);
    expect(Math.abs(toGuarantor - toBank)).toBeLessThan(latencyMs / 2);
  });
});
