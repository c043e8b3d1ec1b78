/**
 * From scores to loans: the credit policy applied to every applicant (with
 * manual review near the cut-off), and the bank-alone books it is compared
 * with: the same number of loans, or as many as keep the same NPL rate, taken
 * best score first. Everything per applicant or per loan is a column (an
 * entry per applicant, in applicant order): at a million applicants an object
 * each for the scores, decisions, loans and books cost the referee 0.9 GB.
 */
import {
  type CreditPolicy,
  creditLimit,
  type DecisionTable,
  decideAll,
  decisionOf,
  policyCutoff,
  type Scorecard,
  type ScoreTable,
  scoreOf,
} from '@fedrisk/shared';
import { LOAN_TYPES, type LoanTable } from './book.ts';
import { fillColumn } from './columns.ts';
import type { LoanType } from './types.ts';
import type { TruthTable } from './world.ts';

/** The applicants' scores, in applicant order. */
export type ApplicantScores = Pick<ScoreTable, 'logits' | 'pds' | 'scores' | 'grades'>;

/** Scores from logits, the way the recipient's node makes them. */
export function scoredFrom(logits: Float64Array, card: Scorecard): ApplicantScores {
  const n = logits.length;
  const out = { logits, pds: new Float64Array(n), scores: new Float64Array(n), grades: new Array<string>(n) };
  for (let i = 0; i < n; i++) {
    const { pd, score, grade } = scoreOf(logits[i] as number, card);
    out.pds[i] = pd;
    out.scores[i] = score;
    out.grades[i] = grade;
  }
  return out;
}

/** Each applicant's value in the policy's limit column (NaN: none), or undefined when the policy has no limit column. */
export type LimitValues = Float64Array | undefined;

const limitValue = (values: LimitValues, i: number): number | undefined => (values === undefined ? undefined : values[i]);

export interface PolicyOutcome {
  cutoff: number;
  /** the referee's decisions, in the columns the recipient's node decides into */
  decisions: DecisionTable;
  /** 1: a reviewed applicant the simulated review approves */
  overturned: Uint8Array;
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
  ids: readonly string[],
  scored: ApplicantScores,
  limits: LimitValues,
  truth: TruthTable,
): PolicyOutcome {
  const cutoff = policyCutoff(policy.approve, card.grades, scored.scores);
  const factor = card.pdo / Math.LN2;
  const cutoffLogit = (card.baseScore - factor * Math.log(card.baseOdds) - cutoff) / factor;
  const decisions = decideAll(policy, cutoff, ids, scored.grades, scored.scores, (i) => limitValue(limits, i));
  const overturned = new Uint8Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    if (decisionOf(decisions, i) !== 'review') continue;
    const safe = truth.riskLogit !== undefined ? (truth.riskLogit[i] as number) <= cutoffLogit : truth.label[i] === 0;
    overturned[i] = safe && creditLimit(policy.limit, limitValue(limits, i)) > 0 ? 1 : 0;
  }
  return { cutoff, decisions, overturned };
}

/** A credit loan when the grade qualifies; otherwise guaranteed if a guarantor covers the business, else secured by collateral. */
function loanType(credit: boolean, truth: TruthTable, i: number): LoanType {
  return credit ? 'credit' : truth.guaranteeEligible[i] === 1 ? 'guaranteed' : 'secured';
}

/** Loans made, one entry per loan: whose (the applicant's index), how much, which type, at what modelled PD. */
export interface LentTable {
  length: number;
  index: Int32Array;
  amount: Float64Array;
  /** index into LOAN_TYPES */
  type: Uint8Array;
  pd: Float64Array;
}

function lentTable(length: number): LentTable {
  return { length, index: new Int32Array(length), amount: new Float64Array(length), type: new Uint8Array(length), pd: new Float64Array(length) };
}

function setLent(t: LentTable, k: number, index: number, amount: number, type: LoanType, pd: number): void {
  t.index[k] = index;
  t.amount[k] = amount;
  t.type[k] = LOAN_TYPES.indexOf(type);
  t.pd[k] = pd;
}

/** The first `count` loans (views on the same columns, nothing copied). */
export function leadingLoans(t: LentTable, count: number): LentTable {
  const n = Math.min(count, t.length);
  return { length: n, index: t.index.subarray(0, n), amount: t.amount.subarray(0, n), type: t.type.subarray(0, n), pd: t.pd.subarray(0, n) };
}

/** The loans the policy makes: approvals and overturned reviews, in applicant order. */
export function policyLoans(policy: CreditPolicy, out: PolicyOutcome, scored: ApplicantScores, limits: LimitValues, truth: TruthTable): LentTable {
  const { decisions, overturned } = out;
  const made = (i: number) => decisionOf(decisions, i) === 'approve' || overturned[i] === 1;
  let count = 0;
  for (let i = 0; i < decisions.decision.length; i++) if (made(i)) count++;
  const lent = lentTable(count);
  for (let i = 0, k = 0; i < decisions.decision.length; i++) {
    if (!made(i)) continue;
    const amount = decisionOf(decisions, i) === 'approve' ? (decisions.limits[i] as number) : creditLimit(policy.limit, limitValue(limits, i));
    setLent(lent, k++, i, amount, loanType(decisions.credit[i] === 1, truth, i), scored.pds[i] as number);
  }
  return lent;
}

/** Every applicant with a positive limit, best score first: the order in which a bank alone would lend. */
export function rankedLoans(policy: CreditPolicy, scored: ApplicantScores, limits: LimitValues, truth: TruthTable): LentTable {
  const { logits } = scored;
  const order: number[] = [];
  for (let i = 0; i < logits.length; i++) if (Number.isFinite(logits[i] as number) && creditLimit(policy.limit, limitValue(limits, i)) > 0) order.push(i);
  // the sort is stable and the indices ascend: ties stay in applicant order
  order.sort((a, b) => (logits[a] as number) - (logits[b] as number));
  const ranked = lentTable(order.length);
  order.forEach((i, k) => {
    const credit = policy.creditGrades.includes(scored.grades[i] as string);
    setLent(ranked, k, i, creditLimit(policy.limit, limitValue(limits, i)), loanType(credit, truth, i), scored.pds[i] as number);
  });
  return ranked;
}

/** How many of the ranked loans can be made while the NPL rate stays at or below the target (the largest such count). */
export function countAtNpl(ranked: LentTable, truth: TruthTable, defaulted: Uint8Array, target: number): number {
  let amount = 0;
  let bad = 0;
  let best = 0;
  for (let k = 0; k < ranked.length; k++) {
    const i = ranked.index[k] as number;
    const limit = ranked.amount[k] as number;
    // outstanding as in the book: the whole limit if it defaults, the usual drawn share if not
    if (defaulted[i]) {
      amount += limit;
      bad += limit;
    } else amount += limit * (truth.drawnShare[i] as number);
    if (bad <= target * amount + 1e-9) best = k + 1;
  }
  return best;
}

/** The loans of one lending decision, booked again under each macro scenario's outcomes. */
export interface LoanBook {
  /**
   * The loans under one set of outcomes: a defaulting borrower has drawn its whole limit, a
   * performing one its usual share. The same columns are settled again by the next call (a
   * million loans are made once, not once per scenario): book them before settling again.
   */
  settle(defaulted: Uint8Array): LoanTable;
}

export function loanBook(lent: LentTable, truth: TruthTable): LoanBook {
  const n = lent.length;
  const at = lent.index;
  const of = (k: number) => at[k] as number;
  const drawn = fillColumn(new Float64Array(n), (k) => (lent.amount[k] as number) * (truth.drawnShare[of(k)] as number));
  const loans: LoanTable = {
    length: n,
    limit: lent.amount,
    amount: new Float64Array(n),
    type: lent.type,
    pd: lent.pd,
    defaulted: new Uint8Array(n),
    firstLoan: truth.firstLoan && fillColumn(new Uint8Array(n), (k) => truth.firstLoan?.[of(k)] as number),
    city: { codes: fillColumn(new Uint16Array(n), (k) => truth.city.codes[of(k)] as number), names: truth.city.names },
    divisionType: { codes: fillColumn(new Uint16Array(n), (k) => truth.divisionType.codes[of(k)] as number), names: truth.divisionType.names },
  };
  return {
    settle(defaulted) {
      for (let k = 0; k < n; k++) {
        const bad = defaulted[at[k] as number] === 1;
        loans.defaulted[k] = bad ? 1 : 0;
        loans.amount[k] = bad ? (lent.amount[k] as number) : (drawn[k] as number);
      }
      return loans;
    },
  };
}
