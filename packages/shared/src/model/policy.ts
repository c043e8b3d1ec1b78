/**
 * The credit policy as a pure function: from a business's score, grade and
 * the recipient's own limit-column value to approve, reject or review, and a
 * credit limit. The referee applies it to the recipient's scores today; the
 * recipient's node can call the same function later. The scenario's schema
 * for it is `policySchema` (config/policy.ts).
 */

export type ApprovalRule = { by: 'score'; minScore: number } | { by: 'grade'; grades: readonly string[] } | { by: 'approval-rate'; rate: number };

export interface CreditPolicy {
  approve: ApprovalRule;
  /** rejected applicants at most this many score points below the cut-off go to manual review (0: none) */
  review: { margin: number };
  /** limit = multiple x the recipient's own column value, rounded down to roundTo, at most cap */
  limit: { multiple: number; cap: number; roundTo: number };
  /** grades whose loans need neither collateral nor a guarantee */
  creditGrades: readonly string[];
}

export type Decision = 'approve' | 'reject' | 'review';

export interface PolicyDecision {
  decision: Decision;
  /** why: the score against the cut-off, the grade, or no limit to lend */
  reason: 'score' | 'grade' | 'no-limit';
  /** credit limit in the limit column's unit (0 when rejected for no limit) */
  limit: number;
  /** the grade qualifies for a credit loan (no collateral, no guarantee) */
  credit: boolean;
}

/**
 * The score cut-off a rule implies: its own minimum score, the lowest minimum
 * of the approved grades, or (target approval rate) the score of the last
 * applicant approved when scores are taken best first.
 */
export function policyCutoff(rule: ApprovalRule, grades: readonly { grade: string; minScore: number }[], scores: ArrayLike<number>): number {
  if (rule.by === 'score') return rule.minScore;
  if (rule.by === 'grade') {
    const mins = grades.filter((g) => rule.grades.includes(g.grade)).map((g) => g.minScore);
    return mins.length ? Math.min(...mins) : Number.POSITIVE_INFINITY;
  }
  const sorted = Float64Array.from(scores).sort((a, b) => b - a);
  const k = Math.round(rule.rate * sorted.length);
  return k <= 0 ? Number.POSITIVE_INFINITY : (sorted[Math.min(k, sorted.length) - 1] as number);
}

/** The limit rule: multiple x value, rounded down, capped; no limit column (undefined) lends the cap. */
export function creditLimit(limit: CreditPolicy['limit'], value: number | undefined): number {
  if (value === undefined) return limit.cap;
  if (!Number.isFinite(value) || value <= 0) return 0;
  return Math.min(limit.cap, Math.floor((limit.multiple * value) / limit.roundTo) * limit.roundTo);
}

export function decide(policy: CreditPolicy, cutoff: number, input: { score: number; grade: string; limitValue: number | undefined }): PolicyDecision {
  const credit = policy.creditGrades.includes(input.grade);
  const passes = policy.approve.by === 'grade' ? policy.approve.grades.includes(input.grade) : input.score >= cutoff;
  const reason = policy.approve.by === 'grade' ? 'grade' : 'score';
  if (!passes) {
    const review = policy.review.margin > 0 && input.score < cutoff && input.score >= cutoff - policy.review.margin;
    return { decision: review ? 'review' : 'reject', reason, limit: 0, credit };
  }
  const limit = creditLimit(policy.limit, input.limitValue);
  if (limit <= 0) return { decision: 'reject', reason: 'no-limit', limit: 0, credit };
  return { decision: 'approve', reason, limit, credit };
}
