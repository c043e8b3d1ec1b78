/**
 * The recipient's own decisions (its decisions.csv), checked by the referee
 * against the same policy applied to the same published scores: the counts
 * the report and the summary give are the recipient's, and they hold only if
 * every applicant's decision, limit and grade agree.
 */
import { type DecisionsById, type DecisionTable, decisionRowAt, FedError } from '@fedrisk/shared';
import type { GradeCount } from '../portfolio/types.ts';

export interface RecipientDecisions {
  counts: { approve: number; reject: number; review: number };
  byGrade: Record<string, GradeCount>;
}

export function checkRecipientDecisions(
  decisions: DecisionsById,
  ids: readonly string[],
  referee: DecisionTable,
  grades: readonly string[],
): RecipientDecisions {
  // the recipient may have decided on more (a staged psi-probe adds its guesses): every applicant must be there
  const counts = { approve: 0, reject: 0, review: 0 };
  const byGrade: Record<string, GradeCount> = Object.fromEntries(grades.map((g) => [g, { applicants: 0, approved: 0, review: 0, rejected: 0 }]));
  ids.forEach((id, i) => {
    const own = decisions.get(id);
    const ref = decisionRowAt(referee, i);
    if (!own || own.decision !== ref.decision || own.limit !== ref.limit || own.policyReason !== ref.policyReason || own.grade !== ref.grade)
      throw new FedError(
        'RUN_ERR_DECISIONS',
        `business ${id}: the recipient decided ${own ? `${own.decision} (limit ${own.limit}, grade ${own.grade})` : 'nothing'}, the referee ${ref.decision} (limit ${ref.limit}, grade ${ref.grade})`,
      );
    counts[own.decision]++;
    const g = byGrade[own.grade];
    if (!g) return;
    g.applicants++;
    if (own.decision === 'approve') g.approved++;
    else if (own.decision === 'review') g.review++;
    else g.rejected++;
  });
  return { counts, byGrade };
}
