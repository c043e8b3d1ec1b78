/** The credit policy: the pure decision function, and the scenario's `policy:` and `portfolio:` checks. */
import { readFileSync } from 'node:fs';
import { checkMacroNames } from '@fedrisk/runner';
import { type CreditPolicy, creditLimit, decide, type FedError, parseScenario, policyCutoff, scorecardSchema } from '@fedrisk/shared';
import { describe, expect, it } from 'vitest';
import { codeOf, DEFAULT_SCENARIO } from '../helpers/fixtures.ts';

const card = scorecardSchema.parse({});
const policy: CreditPolicy = {
  approve: { by: 'score', minScore: 600 },
  review: { margin: 10 },
  limit: { multiple: 3, cap: 3_000_000, roundTo: 10_000 },
  creditGrades: ['A', 'B'],
};

describe('the decision function', () => {
  it('approves at or above the cut-off with a limit, sends the margin below it to review, rejects the rest', () => {
    const at = (score: number, grade: string, limitValue: number | undefined) => decide(policy, 600, { score, grade, limitValue });
    expect(at(600, 'D', 123_456)).toEqual({ decision: 'approve', reason: 'score', limit: 370_000, credit: false });
    expect(at(712, 'A', 2_000_000)).toEqual({ decision: 'approve', reason: 'score', limit: 3_000_000, credit: true });
    expect(at(590, 'D', 100_000)).toEqual({ decision: 'review', reason: 'score', limit: 0, credit: false });
    expect(at(589.9, 'E', 100_000).decision).toBe('reject');
    // nothing to lend on: rejected, and says why
    expect(at(650, 'C', 0)).toEqual({ decision: 'reject', reason: 'no-limit', limit: 0, credit: false });
    expect(decide({ ...policy, review: { margin: 0 } }, 600, { score: 599, grade: 'D', limitValue: 1 }).decision).toBe('reject');
  });

  it('limits: a multiple of the column, rounded down and capped; no column lends the cap', () => {
    expect(creditLimit(policy.limit, 123_456)).toBe(370_000);
    expect(creditLimit(policy.limit, 5_000_000)).toBe(3_000_000);
    expect(creditLimit(policy.limit, undefined)).toBe(3_000_000);
    expect(creditLimit(policy.limit, Number.NaN)).toBe(0);
    expect(creditLimit(policy.limit, -5)).toBe(0);
  });

  it('cut-offs: a score, the lowest approved grade, or the score that approves a target share', () => {
    const scores = [700, 650, 600, 550];
    expect(policyCutoff({ by: 'score', minScore: 610 }, card.grades, scores)).toBe(610);
    expect(policyCutoff({ by: 'grade', grades: ['A', 'B', 'C'] }, card.grades, scores)).toBe(620);
    expect(policyCutoff({ by: 'approval-rate', rate: 0.5 }, card.grades, scores)).toBe(650);
    expect(policyCutoff({ by: 'approval-rate', rate: 1 }, card.grades, scores)).toBe(550);
    const byGrade: CreditPolicy = { ...policy, approve: { by: 'grade', grades: ['A', 'B', 'C'] } };
    expect(decide(byGrade, 620, { score: 640, grade: 'C', limitValue: 1e6 })).toMatchObject({ decision: 'approve', reason: 'grade' });
    expect(decide(byGrade, 620, { score: 615, grade: 'D', limitValue: 1e6 })).toMatchObject({ decision: 'review', reason: 'grade' });
  });
});

const text = readFileSync(DEFAULT_SCENARIO, 'utf8');
function errorOf(yaml: string): FedError {
  try {
    parseScenario(yaml, 'x.yaml');
  } catch (err) {
    return err as FedError;
  }
  throw new Error('expected the scenario to be refused');
}

describe('policy and portfolio in the scenario', () => {
  it("has the seed's figures as defaults", () => {
    const s = parseScenario(text, 'default.yaml');
    expect(s.policy.approve).toEqual({ by: 'score', minScore: 570 });
    expect(s.portfolio.guarantee.guarantorShare).toBe(0.8);
    expect(s.portfolio.pool).toEqual({ amount: 5_000_000_000, share: 0.3 });
    expect(s.portfolio.incentive.rate).toBe(0.005);
  });

  it('names a limit column the recipient lacks, a grade the scorecard lacks, and a macro scenario named twice', () => {
    const withPolicy = (p: string) => `${text}policy:\n${p}\n`;
    expect(errorOf(withPolicy('  limit: { column: annual_vat_paid }')).message).toContain('policy.limit.column: the recipient has no column "annual_vat_paid"');
    expect(errorOf(withPolicy('  creditGrades: [A, Z]')).message).toContain('policy.creditGrades[1]: "Z" is not one of');
    expect(errorOf(withPolicy('  approve: { by: approval-rate, rate: 1.5 }')).message).toContain('policy.approve.rate');
    const twice = `${text}portfolio:\n  macro: [{ name: stress }, { name: stress, defaultOdds: 2 }]\n`;
    expect(errorOf(twice).message).toContain('portfolio.macro[1].name: macro scenario "stress" appears twice');
  });

  it('refuses to shift risk on real data, and names a city or industry the synthetic world lacks', () => {
    const uci = readFileSync(new URL('../../scenarios/uci-credit.yaml', import.meta.url), 'utf8');
    expect(errorOf(`${uci}portfolio:\n  macro: [{ name: stress, defaultOdds: 2 }]\n`).message).toContain(
      "portfolio.macro[0]: shifting default risk needs the synthetic population's hidden risk",
    );
    expect(() => parseScenario(`${uci}portfolio:\n  macro: [{ name: baseline }]\n`, 'uci.yaml')).not.toThrow();
    const s = parseScenario(
      `${text}portfolio:\n  macro: [{ name: dip, cities: { Linyi: 2 }, clusters: [{ city: Jinan, industry: logistcs, defaultOdds: 3 }] }]\n`,
      'x.yaml',
    );
    expect(codeOf(() => checkMacroNames(s))).toBe('SCENARIO_ERR_INVALID');
    expect(() => checkMacroNames(s)).toThrow(/portfolio\.macro\[0\]\.clusters\[0\]\.industry: "logistcs" is not an industry/);
    const ok = parseScenario(
      `${text}portfolio:\n  macro: [{ name: dip, cities: { Linyi: 2 }, clusters: [{ city: Jinan, industry: logistics, defaultOdds: 3 }] }]\n`,
      'x.yaml',
    );
    expect(() => checkMacroNames(ok)).not.toThrow();
  });
});
