/**
 * Party data in a store: every party reads its own records from a Parquet
 * file or a DuckDB database, and the job scores exactly as from CSV.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runScenario } from '@fedrisk/runner';
import { describe, expect, it } from 'vitest';
import { inProcess, smallScenario, tempDir } from '../helpers/fixtures.ts';

describe('party data in an embedded store', () => {
  it.each(['parquet', 'duckdb'] as const)(
    '%s: each party reads its own store, owner-only, and the scores verify',
    async (format) => {
      const scenario = await smallScenario((s) => {
        if (s.data.kind === 'synthetic') s.data.format = format;
        s.job.alignment = 'query';
        s.job.compareWith = [];
        s.job.keys = 'single-holder';
      });
      const { ok, report, runDir } = await runScenario({ scenario, scenarioFile: format, runsDir: tempDir(), launcher: inProcess() });
      expect(report.error).toBeUndefined();
      expect(ok).toBe(true);
      const files = readdirSync(join(runDir, 'data')).sort();
      expect(files).toEqual(['bank', 'guarantor', 'tax'].map((p) => `${p}.${format}`));
      for (const f of files) expect(statSync(join(runDir, 'data', f)).mode & 0o777).toBe(0o600);
      expect(report.verification?.maxAbsLogitError).toBeLessThan(1e-6);
      expect(report.businesses.perParty.tax?.rows).toBeGreaterThan(2000);
    },
    60_000,
  );
});
