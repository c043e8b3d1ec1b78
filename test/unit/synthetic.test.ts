import { createHash } from 'node:crypto';
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

describe('the sources and hidden attributes added later', () => {
  const six = [
    { id: 'bank', role: 'bank' as const, coverage: 0.75 },
    { id: 'tax', role: 'tax' as const, coverage: 0.92 },
    { id: 'guarantor', role: 'guarantor' as const, coverage: 0.4 },
    { id: 'power', role: 'power' as const, coverage: 0.85 },
    { id: 'social', role: 'social' as const, coverage: 0.8 },
    { id: 'logistics', role: 'logistics' as const, coverage: 0.3 },
  ];
  const sha = (s: string) => createHash('sha256').update(s).digest('hex');

  it("leave the original roles' files and the labels of an existing seed byte for byte as before (hashes taken before the change)", () => {
    for (const list of [six.slice(0, 3), six]) {
      const pop = generatePopulation({ seed: 20261127, businesses: 3000, defaultRate: 0.02, labelNoise: 0.5, parties: list });
      expect(sha(partyCsv(pop, 'bank', 'bank'))).toBe('8aacbaa03a823be01f94650a1e3569f81b7edb0d01d157ffa0031f4519cea99e');
      expect(sha(partyCsv(pop, 'tax', 'tax'))).toBe('93b3c3dc45d6015309ae9244008529dc9bf60bb17fbe01f6b8b4a8f910f5fc14');
      expect(sha(partyCsv(pop, 'guarantor', 'guarantor'))).toBe('52b2e5a3d01c1b3b5201f429f793a9fd5d7a14b14de9497bcb2bb84c204a2f4b');
      expect(sha(Buffer.from(pop.label).toString('hex'))).toBe('9f9bb28b9da6534c0ea3b09f18fdf63ecf06c5da446a06db21a0a8aead783b29');
    }
  });

  it("give the power utility, social security and logistics platform files of their own columns, and the referee's attributes only to the referee", () => {
    const pop = generatePopulation({ ...opts, parties: six });
    for (const p of six) {
      const csv = partyCsv(pop, p.id, p.role);
      const table = parsePartyCsv(csv, roleSchemaOf(p.role), `${p.id}.csv`);
      expect(Math.abs(table.ids.length / opts.businesses - p.coverage)).toBeLessThan(0.04);
      const header = csv.split('\n')[0] as string;
      for (const hidden of ['division', 'first_loan', 'guarantee_eligible', 'drawn_share', 'hidden_pd', 'default', 'city', 'industry'])
        expect(header).not.toContain(hidden);
    }
    expect(partyCsv(pop, 'power', 'power').split('\n')[0]).toBe('business_id,monthly_kwh,kwh_trend_3m,bill_arrears_12m');
    const referee = populationCsv(pop).split('\n');
    expect(referee[0]).toBe('business_id,city,industry,default_next_12m,division,division_type,first_loan,guarantee_eligible,drawn_share,hidden_pd');
    // a district or county code under the business's own city
    const row = (referee[1] as string).split(',');
    const cityCode: Record<string, string> = { Jinan: '3701', Qingdao: '3702', Zibo: '3703', Yantai: '3706', Weifang: '3707', Linyi: '3713' };
    expect(row[4]?.startsWith(cityCode[row[1] as string] as string)).toBe(true);
    const county = pop.truth.divisionType.filter((t) => t === 'county').length / opts.businesses;
    expect(county).toBeGreaterThan(0.35);
    expect(county).toBeLessThan(0.6);
  });

  it("carry part of the hidden risk: each new source's columns separate defaulters from the rest", () => {
    const pop = generatePopulation({ ...opts, businesses: 20_000, labelNoise: 1.2, parties: six });
    const meanBy = (values: number[], label: number) => {
      const xs = values.filter((_, i) => pop.label[i] === label);
      return xs.reduce((a, b) => a + b, 0) / xs.length;
    };
    const col = (role: 'power' | 'social' | 'logistics', c: string) => pop.features[role][c] as number[];
    expect(meanBy(col('power', 'kwh_trend_3m'), 1)).toBeLessThan(meanBy(col('power', 'kwh_trend_3m'), 0) - 0.02);
    expect(meanBy(col('social', 'contribution_months_continuous'), 1)).toBeLessThan(meanBy(col('social', 'contribution_months_continuous'), 0) - 3);
    expect(meanBy(col('logistics', 'on_time_payment_ratio'), 1)).toBeLessThan(meanBy(col('logistics', 'on_time_payment_ratio'), 0) - 0.02);
  });
});
