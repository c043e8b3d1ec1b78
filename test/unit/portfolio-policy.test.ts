/**
 * The referee's policy over every applicant, by hand: who is approved,
 * reviewed or rejected and why, which reviews the simulated reviewer
 * overturns, the loans the decision makes, and the bank alone's ranking.
 */
import { applyPolicy, codedColumn, type LentTable, LOAN_TYPES, policyLoans, rankedLoans, scoredFrom, type TruthTable } from '@fedrisk/runner';
import { type CreditPolicy, decisionRowAt, scorecardSchema } from '@fedrisk/shared';
import { describe, expect, it } from 'vitest';

const card = scorecardSchema.parse({});
const factor = card.pdo / Math.LN2;
const offset = card.baseScore - factor * Math.log(card.baseOdds);
const logitOf = (score: number) => (offset - score) / factor;
const policy: CreditPolicy = {
  approve: { by: 'score', minScore: 570 },
  review: { margin: 10 },
  limit: { multiple: 3, cap: 3_000_000, roundTo: 1000 },
  creditGrades: ['A', 'B'],
};
//              a        b       c       d       e        f           g       h
const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
const scores = [720, 640, 565, 565, 500, 600, 600, 600];
const limits = Float64Array.from([100_000, 50_000, 20_000, 0, 100_000, Number.NaN, 40_000, 40_000]);
const cutoffLogit = logitOf(570);
const n = ids.length;
const truth: TruthTable = {
  length: n,
  city: codedColumn(n, () => 'Jinan', 'city'),
  industry: codedColumn(n, () => 'trade', 'industry'),
  divisionType: codedColumn(n, () => 'district', 'division type'),
  firstLoan: new Uint8Array(n),
  guaranteeEligible: Uint8Array.from([0, 1, 0, 0, 0, 0, 0, 1]),
  drawnShare: new Float64Array(n).fill(0.5),
  label: new Uint8Array(n),
  // c and d are as safe as the cut-off asks; the others' hidden risk plays no part
  riskLogit: Float64Array.from([0, 0, cutoffLogit - 0.1, cutoffLogit - 0.1, 0, 0, 0, 0]),
  draw: new Float64Array(n),
};
const rows = (t: LentTable) =>
  Array.from({ length: t.length }, (_, k) => ({ who: ids[t.index[k] as number], amount: t.amount[k], type: LOAN_TYPES[t.type[k] as number] }));

describe("the referee's policy over every applicant", () => {
  const scored = scoredFrom(Float64Array.from(scores, logitOf), card);
  const out = applyPolicy(policy, card, ids, scored, limits, truth);

  it('approves from the cut-off with a limit, reviews within the margin below it, rejects the rest or for no limit', () => {
    expect(out.cutoff).toBe(570);
    const got = ids.map((_, i) => {
      const d = decisionRowAt(out.decisions, i);
      return [d.decision, d.policyReason, d.limit, d.credit, d.grade];
    });
    expect(got).toEqual([
      ['approve', 'score', 300_000, true, 'A'],
      ['approve', 'score', 150_000, false, 'C'],
      ['review', 'score', 0, false, 'E'],
      ['review', 'score', 0, false, 'E'],
      ['reject', 'score', 0, false, 'E'],
      ['reject', 'no-limit', 0, false, 'D'],
      ['approve', 'score', 120_000, false, 'D'],
      ['approve', 'score', 120_000, false, 'D'],
    ]);
    // c is safe and has a limit: overturned; d is as safe but its limit is 0
    expect([...out.overturned]).toEqual([0, 0, 1, 0, 0, 0, 0, 0]);
  });

  it('lends to the approved and the overturned, in applicant order, each loan of its type', () => {
    expect(rows(policyLoans(policy, out, scored, limits, truth))).toEqual([
      { who: 'a', amount: 300_000, type: 'credit' },
      { who: 'b', amount: 150_000, type: 'guaranteed' },
      { who: 'c', amount: 60_000, type: 'secured' },
      { who: 'g', amount: 120_000, type: 'secured' },
      { who: 'h', amount: 120_000, type: 'guaranteed' },
    ]);
  });

  it('ranks the bank alone best score first, ties in applicant order, leaving out no limit and no score', () => {
    const alone = scoredFrom(
      Float64Array.from(scores, (s, i) => (i === 0 ? Number.NaN : logitOf(s))),
      card,
    );
    // a has no score (NaN), d and f no limit; g and h tie at 600
    expect(rows(rankedLoans(policy, alone, limits, truth))).toEqual([
      { who: 'b', amount: 150_000, type: 'guaranteed' },
      { who: 'g', amount: 120_000, type: 'secured' },
      { who: 'h', amount: 120_000, type: 'guaranteed' },
      { who: 'c', amount: 60_000, type: 'secured' },
      { who: 'e', amount: 300_000, type: 'secured' },
    ]);
  });
});
