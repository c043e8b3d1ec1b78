import { readFileSync } from 'node:fs';
import { type FedError, parseScenario } from '@fedrisk/shared';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCENARIO } from '../helpers/fixtures.ts';

const text = readFileSync(DEFAULT_SCENARIO, 'utf8');

function errorOf(yaml: string): FedError {
  try {
    parseScenario(yaml, 'x.yaml');
  } catch (err) {
    return err as FedError;
  }
  throw new Error('expected the scenario to be refused');
}

describe('scenario files', () => {
  it('the default scenario is valid and scores at least 10,000 businesses', () => {
    const s = parseScenario(text, 'default.yaml');
    expect(s.parties.map((p) => p.role).sort()).toEqual(['bank', 'guarantor', 'tax']);
    expect(s.job.applicants).toBeGreaterThanOrEqual(10_000);
    expect(s.crypto.ckks.polyModulusDegree).toBe(8192);
  });

  it('names a wrong field by its path', () => {
    const err = errorOf(text.replace('coverage: 0.92', 'coverage: 1.5'));
    expect(err.code).toBe('SCENARIO_ERR_INVALID');
    expect(err.message).toContain('parties[1].coverage');
  });

  it('names an unknown field, a misspelt column and a missing model', () => {
    expect(errorOf(text.replace('seed: 20261127', 'seed: 20261127\nsede: 1')).message).toMatch(/sede/);
    expect(errorOf(text.replace('invoice_count: {', 'invoice_cnt: {')).message).toContain('model.tax.features.invoice_cnt: tax has no column "invoice_cnt"');
    expect(errorOf(text.replace('recipient: bank', 'recipient: tax')).message).toContain('job.recipient: the result recipient must have role bank');
    expect(errorOf(text.replace(/ {2}guarantor:\n {4}features:[\s\S]*$/, '')).message).toContain('model.guarantor');
  });

  it('points at the line of a YAML syntax error', () => {
    const err = errorOf('name: x\nseed: [1, 2\n');
    expect(err.code).toBe('SCENARIO_ERR_FILE');
    expect(err.message).toMatch(/x\.yaml line \d+/);
  });
});

describe('key custody checks', () => {
  it('rejects a scenario in which the coordinator would hold a secret key', () => {
    const err = errorOf(
      text.replace('keys: threshold', 'keys: single-holder\n  keyHolder: coordinator').replace('compareWith: [single-holder]', 'compareWith: []'),
    );
    expect(err.message).toContain('job.keyHolder: the coordinator must never hold a secret key');
  });

  it("refuses a party named after the run's coordinator or regulator", () => {
    for (const name of ['coordinator', 'regulator']) {
      const err = errorOf(text.replace('{ id: guarantor, role: guarantor', `{ id: ${name}, role: guarantor`));
      expect(err.message).toContain(`parties[2].id: "${name}" is the name of the run's ${name}`);
    }
  });

  it('rejects a threshold that fewer than all parties could meet', () => {
    const err = errorOf(text.replace('keys: threshold', 'keys: threshold\n  threshold: 2'));
    expect(err.message).toContain('job.threshold: decryption must need all 3 parties (n-of-n)');
  });

  it('threshold keys are the default design', () => {
    const s = parseScenario(text.replace(/ {2}keys: threshold\n/, ''), 'x.yaml');
    expect(s.job.keys).toBe('threshold');
  });
});
