/** Real data (UCI credit card default), split by columns between three parties (in this process, over real sockets). */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runScenario } from '@fedrisk/runner';
import { loadScenario } from '@fedrisk/shared';
import { describe, expect, it } from 'vitest';
import { inProcess, tempDir } from '../helpers/fixtures.ts';

const SCENARIO = new URL('../../scenarios/uci-credit.yaml', import.meta.url).pathname;
const DATA = new URL('../../scenarios/data/uci-credit-default/UCI_Credit_Card.csv', import.meta.url).pathname;

describe('UCI scenario on a 4,000-row slice', () => {
  it('scores with every party reading only its own columns, and sharing beats the bank alone', async () => {
    const dir = tempDir();
    const lines = readFileSync(DATA, 'utf8').split('\n');
    writeFileSync(join(dir, 'slice.csv'), `${lines.slice(0, 4001).join('\n')}\n`);
    writeFileSync(join(dir, 'scenario.yaml'), readFileSync(SCENARIO, 'utf8').replace('data/uci-credit-default/UCI_Credit_Card.csv', 'slice.csv'));
    const scenario = await loadScenario(join(dir, 'scenario.yaml'));
    scenario.job.applicants = 2000;
    scenario.job.compareWith = [];
    // the model is trained first, as the scenario says; a few epochs are enough for what this test checks
    if (scenario.train) scenario.train.epochs = 6;
    const { report, runDir } = await runScenario({ scenario, scenarioFile: join(dir, 'scenario.yaml'), runsDir: join(dir, 'runs'), launcher: inProcess() });
    expect(report.ok, JSON.stringify(report.error)).toBe(true);
    // the two "nan" ages of the real file are left out and listed
    expect(report.data.dropped).toEqual([
      { line: 4, column: 'AGE' },
      { line: 5, column: 'AGE' },
    ]);
    expect(report.data.records).toBe(3998);
    // the seed's Shandong figures describe the synthetic population: a real file is not held against them
    expect(report.portfolio?.calibration).toEqual([]);
    expect(report.verification?.maxAbsLogitError).toBeLessThanOrEqual(1e-4);
    expect(report.verification?.auc).toBeGreaterThan(report.verification?.bankOnlyAuc ?? 1);
    // each party's file holds its own columns only, and never the label
    const header = (p: string) => readFileSync(join(runDir, 'data', `${p}.csv`), 'utf8').split('\n')[0];
    expect(header('bank')).toBe('business_id,LIMIT_BAL,PAY_0,PAY_2,PAY_3,PAY_4,PAY_5,PAY_6');
    expect(header('registry')).toBe('business_id,SEX,EDUCATION,MARRIAGE,AGE');
    for (const p of ['bank', 'institution', 'registry']) expect(header(p)).not.toContain('default');
  });
});
