/** The scorecard: points from a logit (base score at base odds, points to double the odds) and grades. */
import { z } from 'zod';

export const scorecardSchema = z
  .object({
    baseScore: z.number().default(600),
    baseOdds: z.number().positive().default(50),
    pdo: z.number().positive().default(20),
    grades: z
      .array(z.object({ grade: z.string().min(1).max(8), minScore: z.number() }).strict())
      .min(1)
      .default([
        { grade: 'A', minScore: 700 },
        { grade: 'B', minScore: 660 },
        { grade: 'C', minScore: 620 },
        { grade: 'D', minScore: 580 },
        { grade: 'E', minScore: 0 },
      ]),
  })
  .strict();
export type Scorecard = z.infer<typeof scorecardSchema>;

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

const sortedGrades = new WeakMap<Scorecard, Scorecard['grades']>();

/** Scorecard points: base at base odds (good:bad), `pdo` points to double the odds. */
export function scoreOf(logit: number, card: Scorecard): { pd: number; score: number; grade: string } {
  const factor = card.pdo / Math.LN2;
  const offset = card.baseScore - factor * Math.log(card.baseOdds);
  // logit is log(odds of default) so log(good:bad odds) = -logit
  const score = offset - factor * logit;
  let sorted = sortedGrades.get(card);
  if (!sorted) {
    sorted = [...card.grades].sort((a, b) => b.minScore - a.minScore);
    sortedGrades.set(card, sorted);
  }
  // below every threshold: the lowest grade
  const grade = sorted.find((g) => score >= g.minScore)?.grade ?? (sorted[sorted.length - 1] as { grade: string }).grade;
  return { pd: sigmoid(logit), score, grade };
}

/** The scorecard's mapping, for reports: points at base odds and per doubling. */
export function scorecardMapping(card: Scorecard): { factor: number; offset: number } {
  const factor = card.pdo / Math.LN2;
  return { factor, offset: card.baseScore - factor * Math.log(card.baseOdds) };
}
