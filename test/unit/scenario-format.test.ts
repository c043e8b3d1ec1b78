/**
 * The scenario format for people: a JSON Schema generated from the zod schema
 * that every shipped scenario passes and a misspelt one fails; a description
 * for every field; docs/SCENARIOS.md's reference generated from the same; the
 * model optional with train:, empty feature lists refused; errors that give
 * the line and a "did you mean".
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type FedError, parseScenario, SCENARIO_FIELD_HELP, scenarioFields, scenarioFieldTable, scenarioJsonSchema } from '@fedrisk/shared';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = new URL('../../', import.meta.url).pathname;
const SCENARIOS = join(ROOT, 'scenarios');
const shipped = readdirSync(SCENARIOS).filter((f) => f.endsWith('.yaml'));
const text = (f: string) => readFileSync(join(SCENARIOS, f), 'utf8');
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(scenarioJsonSchema());

function errorOf(yaml: string): FedError {
  try {
    parseScenario(yaml, 'x.yaml');
  } catch (err) {
    return err as FedError;
  }
  throw new Error('expected the scenario to be refused');
}

describe('the JSON Schema', () => {
  it('accepts every shipped scenario, each of which points at it', () => {
    expect(shipped.length).toBeGreaterThanOrEqual(6);
    for (const f of shipped) {
      expect(validate(parse(text(f))), `${f}: ${JSON.stringify(validate.errors)}`).toBe(true);
      expect(text(f).split('\n')[0], f).toBe('# yaml-language-server: $schema=./scenario.schema.json');
    }
  });

  it('refuses a misspelt field, a misspelt option and a party id in capitals', () => {
    const base = parse(text('default.yaml'));
    for (const change of [
      (s: Record<string, unknown>) => Object.assign(s, { sede: 1 }),
      (s: Record<string, unknown>) => Object.assign(s.job as object, { aligment: 'psi' }),
      (s: Record<string, unknown>) => Object.assign(s.job as object, { keys: 'treshold' }),
      (s: Record<string, unknown>) => Object.assign((s.parties as object[])[0] as object, { id: 'Bank' }),
    ]) {
      const s = structuredClone(base);
      change(s);
      expect(validate(s), JSON.stringify(s).slice(0, 80)).toBe(false);
    }
  });

  it('is the checked-in scenarios/scenario.schema.json', () => {
    expect(readFileSync(join(SCENARIOS, 'scenario.schema.json'), 'utf8')).toBe(`${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`);
  });

  it('describes every field, and describes no field that does not exist', () => {
    const paths = scenarioFields().map((f) => f.path);
    expect(paths.filter((p) => !SCENARIO_FIELD_HELP[p])).toEqual([]);
    expect(Object.keys(SCENARIO_FIELD_HELP).filter((p) => !paths.includes(p))).toEqual([]);
  });

  it("is what docs/SCENARIOS.md's field reference shows", () => {
    const doc = readFileSync(join(ROOT, 'docs', 'SCENARIOS.md'), 'utf8');
    const section = doc.slice(doc.indexOf('<!-- fields:begin -->\n') + 22, doc.indexOf('\n<!-- fields:end -->'));
    expect(section).toBe(scenarioFieldTable());
  });
});

describe('the model section', () => {
  const trained = text('default-trained.yaml');
  const plain = text('default.yaml');

  it('is optional with train:, and so is any party or feature in it', () => {
    expect(trained).not.toMatch(/^model:/m);
    const s = parseScenario(trained, 'x.yaml');
    expect(s.model).toEqual({});
    const partial = parseScenario(`${trained}model:\n  tax:\n    features:\n      invoice_count: { transform: z }\n`, 'x.yaml');
    expect(partial.model.tax?.features?.invoice_count).toEqual({ transform: 'z' });
  });

  it('is needed without train:, with every weight', () => {
    expect(errorOf(plain.replace(/^model:[\s\S]*$/m, '')).message).toContain('model.bank: party "bank" has no model');
    expect(errorOf(plain.replace(/invoice_count: \{ transform: log1p, weight: [-\d.]+ \}/, 'invoice_count: { transform: log1p }')).message).toMatch(
      /model\.tax\.features\.invoice_count\.weight: without a train: section every feature needs its weight/,
    );
  });

  it('refuses an empty feature list at load, with train: or without', () => {
    expect(errorOf(`${trained}model:\n  tax:\n    features: {}\n`).message).toContain('model.tax.features: the feature list is empty');
    expect(errorOf(plain.replace(/ {2}guarantor:\n {4}features:\n( {6}.*\n)+/, '  guarantor:\n    features: {}\n')).message).toContain(
      'model.guarantor.features: the feature list is empty',
    );
  });
});

describe('errors a person can act on', () => {
  const plain = text('default.yaml');
  const lineOf = (needle: string) => plain.split('\n').findIndex((l) => l.includes(needle)) + 1;

  it('give the YAML line and the path, and suggest the name that was meant', () => {
    const message = errorOf(
      plain.replace('seed: 20261127', 'sede: 20261127').replace('alignment: psi', 'aligment: psi').replace('invoice_count: {', 'invoice_cnt: {'),
    ).message;
    expect(message).toContain(`x.yaml:${lineOf('seed: 20261127')}  sede: unknown field "sede" (did you mean "seed"?)`);
    expect(message).toContain(`x.yaml:${lineOf('alignment: psi')}  job.aligment: unknown field "aligment" (did you mean "alignment"?)`);
    expect(errorOf(plain.replace('keys: threshold', 'keys: treshold')).message).toContain(`x.yaml:${lineOf('keys: threshold')}  job.keys:`);
    expect(errorOf(plain.replace('keys: threshold', 'keys: treshold')).message).toContain('(did you mean "threshold"?)');
    expect(errorOf(plain.replace('invoice_count: {', 'invoice_cnt: {')).message).toContain('tax has no column "invoice_cnt" (did you mean "invoice_count"?)');
    expect(errorOf(plain.replace('recipient: bank', 'recipient: bnak')).message).toContain('(did you mean "bank"?)');
    // a required field left out is called missing, with no line (the file has none for it)
    expect(message).toMatch(/x\.yaml {2}seed: missing: a required field \(number\)/);
    expect(message).not.toMatch(/seed: Invalid input/);
  });

  it('say that party ids are lowercase, showing the one found', () => {
    expect(errorOf(plain.replace('{ id: bank,', '{ id: Bank,')).message).toMatch(/parties\[0\]\.id: party id: lowercase .* \(found "Bank"\)/);
  });
});
