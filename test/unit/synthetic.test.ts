import { CsvText, generatePopulation, partyCsv, pickApplicants, populationCsv } from '@fedrisk/runner';
import { createRng, parsePartyCsv, roleSchemaOf, usccProblem } from '@fedrisk/shared';
import { describe, expect, it } from 'vitest';

const parties = [
  { id: 'bank', role: 'bank' as const, coverage: 0.8 },
  { id: 'tax', role: 'tax' as const, coverage: 0.9 },
  { id: 'guarantor', role: 'guarantor' as const, coverage: 0.4 },
];
const opts = { seed: 11, businesses: 4000, defaultRate: 0.03, labelNoise: 0.5, parties };

describe('synthetic SME population', () => {
  it('is byte-for-byte reproducible from its seed', () => {
    const a = generatePopulation(opts);
    const b = generatePopulation(opts);
    for (const p of parties) expect(partyCsv(a, p.id, p.role)).toBe(partyCsv(b, p.id, p.role));
    expect(populationCsv(a)).toBe(populationCsv(b));
    expect(pickApplicants(a, 'bank', 100, 11)).toEqual(pickApplicants(b, 'bank', 100, 11));
    const c = generatePopulation({ ...opts, seed: 12 });
    expect(partyCsv(c, 'bank', 'bank')).not.toBe(partyCsv(a, 'bank', 'bank'));
  });

  it('keeps the bytes it made before it moved to typed arrays (the shipped weights were fitted on them)', async () => {
    const { createHash } = await import('node:crypto');
    const h = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);
    const pop = generatePopulation(opts);
    // hashes of the files made by the generator as it was before issue 18, same options
    expect(parties.map((p) => h(partyCsv(pop, p.id, p.role)))).toEqual(['82a9e11ebca3cde3', 'fa8c89275b80a78b', '3ba439ec91f9b902']);
    expect(h(populationCsv(pop))).toBe('ef75149af6e3171d');
  });

  it('gives valid, unique ids and files each party can load', () => {
    const pop = generatePopulation(opts);
    expect(new Set(pop.ids).size).toBe(pop.ids.length);
    for (const id of pop.ids.slice(0, 500)) expect(usccProblem(id)).toBeUndefined();
    for (const p of parties) {
      const table = parsePartyCsv(partyCsv(pop, p.id, p.role), roleSchemaOf(p.role), `${p.id}.csv`);
      const share = table.ids.length / opts.businesses;
      expect(Math.abs(share - p.coverage)).toBeLessThan(0.04);
    }
  });

  it('hits the default rate the scenario sets', () => {
    const pop = generatePopulation({ ...opts, businesses: 20_000 });
    const rate = pop.label.reduce((s, v) => s + v, 0) / pop.label.length;
    expect(rate).toBeGreaterThan(0.02);
    expect(rate).toBeLessThan(0.04);
  });
});

describe('CsvText', () => {
  it('writes every number exactly as String(x) does', () => {
    const rng = createRng(21);
    const values = [0, -0, 1, -1, 0.5, 0.0001, -0.0567, 1e-5, 1e-7, 123456.7891, 99999999999999, 1e15, 1e21, 0.1 + 0.2, Math.PI, -1234.5, 2 ** 53, 7e-4];
    for (let i = 0; i < 20_000; i++) {
      values.push(Math.round(rng.normal() * 10 ** (i % 9)));
      values.push(Math.round(rng.normal() * 10 ** (i % 7) * 10_000) / 10_000);
      values.push(rng.normal() * 10 ** ((i % 12) - 6));
    }
    const out = new CsvText();
    for (const v of values) out.number(v).byte(44);
    expect(out.toString()).toBe(`${values.map(String).join(',')},`);
  });
});
