import { generatePopulation, partyCsv, pickApplicants, populationCsv } from '@fedrisk/runner';
import { parsePartyCsv, roleSchemaOf, usccProblem } from '@fedrisk/shared';
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
