/**
 * From scores to loans: the credit policy applied to every applicant (with
 * manual review near the cut-off), and the bank-alone books it is compared
 * with: the same number of loans, or as many as keep the same NPL rate, taken
 * best score first.
 */
import { type CreditPolicy, creditLimit, decide, type PolicyDecision, policyCutoff, type Scorecard, scoreOf } from '@fedrisk/shared';
import type { Loan } from './book.ts';
import type { GradeCount, LoanType } from './types.ts';
import type { ApplicantTruth } from './world.ts';

export interface Scored {
  logit: number;
  pd: number;
  score: number;
  grade: string;
}

/** Scores from logits, the way the recipient's node makes them. */
export function scoredFrom(logits: ArrayLike<number>, card: Scorecard): Scored[] {
  return Array.from(logits, (logit) => {
    const { pd, score, grade } = scoreOf(logit, card);
    return { logit, pd, score, grade };
  });
}

export interface PolicyOutcome {
  cutoff: number;
  decisions: PolicyDecision[];
  /** reviewed applicants the simulated review approves */
  overturned: boolean[];
  byGrade: Record<string, GradeCount>;
}

/**
 * The policy for every applicant. A reviewer who learns the truth approves a
 * reviewed applicant when it is in fact as safe as the cut-off asks: its
 * hidden probability of default is at most the cut-off's (synthetic), or it
 * does not default (real data, where only the label is known).
 */
export function applyPolicy(
  policy: CreditPolicy,
  card: Scorecard,
  scored: readonly Scored[],
  limitValues: readonly (number | undefined)[],
  truth: readonly ApplicantTruth[],
): PolicyOutcome {
  const cutoff = policyCutoff(
    policy.approve,
    card.grades,
    scored.map((s) => s.score),
  );
  const factor = card.pdo / Math.LN2;
  const cutoffLogit = (card.baseScore - factor * Math.log(card.baseOdds) - cutoff) / factor;
  const byGrade: Record<string, GradeCount> = Object.fromEntries(card.grades.map((g) => [g.grade, { applicants: 0, approved: 0, review: 0, rejected: 0 }]));
  const decisions = scored.map((s, i) => decide(policy, cutoff, { score: s.score, grade: s.grade, limitValue: limitValues[i] }));
  const overturned = decisions.map((d, i) => {
    if (d.decision !== 'review') return false;
    const t = truth[i] as ApplicantTruth;
    const safe = t.riskLogit !== undefined ? t.riskLogit <= cutoffLogit : t.label === 0;
    return safe && creditLimit(policy.limit, limitValues[i]) > 0;
  });
  decisions.forEach((d, i) => {
    const g = byGrade[(scored[i] as Scored).grade];
    if (!g) return;
    g.applicants++;
    if (d.decision === 'approve') g.approved++;
    else if (d.decision === 'review') g.review++;
    else g.rejected++;
  });
  return { cutoff, decisions, overturned, byGrade };
}

/** A credit loan when the grade qualifies; otherwise guaranteed if a guarantor covers the business, else secured by collateral. */
export function loanType(credit: boolean, t: ApplicantTruth): LoanType {
  return credit ? 'credit' : t.guaranteeEligible ? 'guaranteed' : 'secured';
}

export interface Lent {
  index: number;
  amount: number;
  type: LoanType;
  pd: number;
}

/** The loans the policy makes: approvals and overturned reviews, in applicant order. */
export function policyLoans(
  policy: CreditPolicy,
  out: PolicyOutcome,
  scored: readonly Scored[],
  limitValues: readonly (number | undefined)[],
  truth: readonly ApplicantTruth[],
): Lent[] {
  const lent: Lent[] = [];
  out.decisions.forEach((d, i) => {
    if (d.decision !== 'approve' && !out.overturned[i]) return;
    const amount = d.decision === 'approve' ? d.limit : creditLimit(policy.limit, limitValues[i]);
    lent.push({ index: i, amount, type: loanType(d.credit, truth[i] as ApplicantTruth), pd: (scored[i] as Scored).pd });
  });
  return lent;
}

/** Every applicant with a positive limit, best score first: the order in which a bank alone would lend. */
export function rankedLoans(
  policy: CreditPolicy,
  scored: readonly Scored[],
  limitValues: readonly (number | undefined)[],
  truth: readonly ApplicantTruth[],
): Lent[] {
  const logits = Float64Array.from(scored, (s) => s.logit);
  const order = scored.map((_, i) => i).filter((i) => Number.isFinite(logits[i] as number) && creditLimit(policy.limit, limitValues[i]) > 0);
  // the sort is stable and the indices ascend: ties stay in applicant order
  order.sort((a, b) => (logits[a] as number) - (logits[b] as number));
  return order.map((i) => {
    const s = scored[i] as Scored;
    return {
      index: i,
      amount: creditLimit(policy.limit, limitValues[i]),
      type: loanType(policy.creditGrades.includes(s.grade), truth[i] as ApplicantTruth),
      pd: s.pd,
    };
  });
}

/** How many of the ranked loans can be made while the NPL rate stays at or below the target (the largest such count). */
export function countAtNpl(ranked: readonly Lent[], truth: readonly ApplicantTruth[], defaulted: Uint8Array, target: number): number {
  let amount = 0;
  let bad = 0;
  let best = 0;
  ranked.forEach((l, k) => {
    // outstanding as in the book: the whole limit if it defaults, the usual drawn share if not
    if (defaulted[l.index]) {
      amount += l.amount;
      bad += l.amount;
    } else amount += l.amount * (truth[l.index] as ApplicantTruth).drawnShare;
    if (bad <= target * amount + 1e-9) best = k + 1;
  });
  return best;
}

/** The loans of one lending decision, booked again under each macro scenario's outcomes. */
export interface LoanBook {
  /**
   * The loans under one set of outcomes: a defaulting borrower has drawn its whole limit, a
   * performing one its usual share. The same loans are settled again by the next call (a
   * million loans are made once, not once per scenario): book them before settling again.
   */
  settle(defaulted: Uint8Array): readonly Loan[];
}

export function loanBook(lent: readonly Lent[], truth: readonly ApplicantTruth[]): LoanBook {
  // what settling reads, in flat arrays made once: at a million loans, reading it back from objects scattered
  // over a large heap took 0.2 s per settling (nine per run)
  const at = new Int32Array(lent.length);
  const whole = new Float64Array(lent.length);
  const drawn = new Float64Array(lent.length);
  const loans: Loan[] = lent.map((l, k) => {
    const t = truth[l.index] as ApplicantTruth;
    at[k] = l.index;
    whole[k] = l.amount;
    drawn[k] = l.amount * t.drawnShare;
    // amount starts as a double (NaN), not 0: a small integer there, then a fraction, made V8 migrate every
    // loan's layout on the first settling (measured 1.1 s at a million loans)
    return {
      limit: l.amount,
      amount: Number.NaN,
      type: l.type,
      pd: l.pd,
      defaulted: false,
      firstLoan: t.firstLoan,
      city: t.city,
      divisionType: t.divisionType,
    };
  });
  return {
    settle(defaulted) {
      for (let k = 0; k < loans.length; k++) {
        const loan = loans[k] as Loan;
        loan.defaulted = defaulted[at[k] as number] === 1;
        loan.amount = loan.defaulted ? (whole[k] as number) : (drawn[k] as number);
      }
      return loans;
    },
  };
}
