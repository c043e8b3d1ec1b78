/**
 * The scenario's credit policy (`policy:`): how applicants are approved, who
 * goes to manual review, the credit limit rule and which grades get credit
 * loans. The decision itself is `decide` in model/policy.ts, a pure function
 * the recipient's node can call too.
 */
import { z } from 'zod';
import type { ColumnSpec } from '../data/columns.ts';
import type { CreditPolicy } from '../model/policy.ts';
import { MAX_REASON_CODES } from '../model/reason-payload.ts';

const gradeName = z.string().min(1).max(8);

export const policySchema = z
  .object({
    /** by score cut-off, by grade, or a target approval rate (the cut-off is then the score that approves that share) */
    approve: z
      .discriminatedUnion('by', [
        z.object({ by: z.literal('score'), minScore: z.number() }).strict(),
        z.object({ by: z.literal('grade'), grades: z.array(gradeName).min(1) }).strict(),
        z.object({ by: z.literal('approval-rate'), rate: z.number().gt(0).max(1) }).strict(),
      ])
      .default({ by: 'score', minScore: 570 }),
    /** rejected applicants at most `margin` score points below the cut-off go to manual review; 0: no review */
    review: z
      .object({ margin: z.number().min(0).max(1000).default(10) })
      .strict()
      .prefault({}),
    limit: z
      .object({
        /**
         * the recipient's own numeric column the limit is a multiple of; synthetic data: avg_monthly_inflow
         * if not given; real data without one lends every approved applicant the cap
         */
        column: z.string().min(1).optional(),
        multiple: z.number().positive().default(3),
        cap: z.number().positive().default(3_000_000),
        roundTo: z.number().positive().default(10_000),
      })
      .strict()
      .prefault({}),
    /** grades whose loans are credit loans (no collateral, no guarantee); others need a guarantee or collateral */
    creditGrades: z.array(gradeName).default(['A', 'B']),
    /** reasons for every rejection (and every applicant sent to review): how many at least, and the band width each party rounds its points to */
    reasons: z
      .object({
        min: z.number().int().min(1).max(MAX_REASON_CODES).default(3),
        bandPoints: z.number().positive().max(1000).default(5),
        /** compare the contested cross-party candidates under encryption (the recipient learns their order) */
        refine: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
  })
  .strict();
export type PolicyConfig = z.infer<typeof policySchema>;

/** The scenario's policy is the decision function's input as it is (checked at compile time). */
export function creditPolicyOf(p: PolicyConfig): CreditPolicy {
  return p;
}

/** Synthetic data's default limit column (the bank's own). */
export const SYNTHETIC_LIMIT_COLUMN = 'avg_monthly_inflow';

/** The policy's problems against the recipient's columns and the scorecard's grades, each with its path under `policy`. */
export function policyIssues(
  p: PolicyConfig,
  recipientColumns: readonly ColumnSpec[],
  grades: readonly string[],
): { path: (string | number)[]; message: string }[] {
  const out: { path: (string | number)[]; message: string }[] = [];
  const col = p.limit.column;
  if (col !== undefined) {
    const spec = recipientColumns.find((c) => c.name === col);
    if (!spec)
      out.push({ path: ['limit', 'column'], message: `the recipient has no column "${col}" (it has ${recipientColumns.map((c) => c.name).join(', ')})` });
    else if (spec.kind === 'category') out.push({ path: ['limit', 'column'], message: `"${col}" is categorical; the limit needs a numeric column` });
  }
  const unknown = (list: readonly string[], path: (string | number)[]) =>
    list.forEach((g, i) => {
      if (!grades.includes(g)) out.push({ path: [...path, i], message: `"${g}" is not one of the scorecard's grades (${grades.join(', ')})` });
    });
  if (p.approve.by === 'grade') unknown(p.approve.grades, ['approve', 'grades']);
  unknown(p.creditGrades, ['creditGrades']);
  return out;
}
