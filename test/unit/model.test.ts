import { makeUscc, type PartyModel, parsePartyCsv, partialLogits, partialLogitsFor, roleSchemaOf, scorecardSchema, scoreOf } from '@fedrisk/shared';
import { describe, expect, it } from 'vitest';

const ids = [1, 2, 3, 4].map((i) => makeUscc('370600', i));
const csv = [
  'business_id,guaranteed_amount,past_compensation_count,collateral_coverage_ratio,currently_guaranteed',
  `${ids[0]},100,0,1.0,1`,
  `${ids[1]},200,1,0.5,0`,
  `${ids[2]},300,2,1.5,1`,
].join('\n');
const table = parsePartyCsv(csv, roleSchemaOf('guarantor'), 'g.csv');

describe('split model', () => {
  it("standardises each column over the party's own rows", () => {
    const model: PartyModel = { intercept: 0, features: { past_compensation_count: { transform: 'z', weight: 1 } } };
    const out = Array.from(partialLogits(table, model));
    const sd = Math.sqrt(2 / 3);
    expect(out[0]).toBeCloseTo(-1 / sd, 12);
    expect(out[1]).toBeCloseTo(0, 12);
    expect(out[2]).toBeCloseTo(1 / sd, 12);
  });

  it('gives a business the party lacks the neutral value and counts it as a gap', () => {
    const model: PartyModel = { intercept: 0.25, features: { guaranteed_amount: { transform: 'log1p', weight: 2 } } };
    const { values, gaps } = partialLogitsFor(table, model, [ids[3] as string, ids[0] as string]);
    expect(gaps).toBe(1);
    expect(values[0]).toBe(0.25);
    expect(values[1]).not.toBe(0.25);
  });
});

describe('scorecard', () => {
  const card = scorecardSchema.parse({ baseScore: 600, baseOdds: 50, pdo: 20 });
  it('maps base odds 50:1 to 600 points and doubling the odds to +20', () => {
    const atBase = scoreOf(-Math.log(50), card);
    expect(atBase.score).toBeCloseTo(600, 9);
    expect(atBase.pd).toBeCloseTo(1 / 51, 12);
    expect(scoreOf(-Math.log(100), card).score).toBeCloseTo(620, 9);
    expect(scoreOf(-Math.log(25), card).score).toBeCloseTo(580, 9);
  });
  it('grades by the highest threshold reached, and the lowest grade below all', () => {
    expect(scoreOf(-Math.log(50 * 2 ** 6), card).grade).toBe('A'); // 720
    expect(scoreOf(-Math.log(50), card).grade).toBe('D'); // 600
    expect(scoreOf(5, card).grade).toBe('E');
  });
});
