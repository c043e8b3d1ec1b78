/**
 * A book of loans and what happens to it, in plain arithmetic: losses by
 * loan type, the guarantor's share of guaranteed loans (80/20 by default),
 * the compensation pool that reimburses a share of the bank's losses until
 * it is spent, and the information-sharing incentive per first or credit loan.
 */
import type { Bearers, BookOutcome, LoanType, Segment } from './types.ts';

export interface Loan {
  /** the credit limit granted */
  limit: number;
  /** outstanding: what the borrower has drawn (exposure at default when it defaults) */
  amount: number;
  type: LoanType;
  /** the lending model's probability of default (for the expected loss) */
  pd: number;
  defaulted: boolean;
  /** undefined: not known (real data) */
  firstLoan: boolean | undefined;
  city: string;
  divisionType: string;
}

export interface BookParams {
  lossGivenDefault: Record<LoanType, number>;
  /** multiplies every loss given default (macro scenario); the product is capped at 1 */
  lgdMultiplier: number;
  guarantorShare: number;
  pool: { amount: number; share: number };
  /** 0 for loans not made through the platform */
  incentiveRate: number;
}

const zero = (): Bearers => ({ bank: 0, guarantor: 0, pool: 0, total: 0 });

function segments(loans: readonly Loan[], key: (l: Loan) => string, total: number): Record<string, Segment> {
  const acc = new Map<string, { loans: number; amount: number; bad: number }>();
  for (const l of loans) {
    const k = key(l);
    let s = acc.get(k);
    if (!s) {
      s = { loans: 0, amount: 0, bad: 0 };
      acc.set(k, s);
    }
    s.loans++;
    s.amount += l.amount;
    if (l.defaulted) s.bad += l.amount;
  }
  return Object.fromEntries(
    [...acc]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, s]) => [k, { loans: s.loans, amount: s.amount, amountShare: total ? s.amount / total : 0, nplRate: s.amount ? s.bad / s.amount : 0 }]),
  );
}

/** Losses fall in the order the loans are listed; the pool pays until it is spent. */
export function bookOutcome(loans: readonly Loan[], applicants: number, p: BookParams): BookOutcome {
  const g = p.guarantorShare;
  const realised = zero();
  const expected = zero();
  const amountByType: Record<LoanType, number> = { credit: 0, guaranteed: 0, secured: 0 };
  let amount = 0;
  let committed = 0;
  let bad = 0;
  let defaults = 0;
  let compensation = 0;
  let incentive = 0;
  let firstLoans: number | null = 0;
  let credit = 0;
  let poolLeft = p.pool.amount;
  for (const l of loans) {
    const lgd = Math.min(1, p.lossGivenDefault[l.type] * p.lgdMultiplier);
    amount += l.amount;
    committed += l.limit;
    amountByType[l.type] += l.amount;
    if (l.type === 'credit') credit++;
    if (l.firstLoan === undefined) firstLoans = null;
    else if (firstLoans !== null && l.firstLoan) firstLoans++;
    if (l.firstLoan || l.type === 'credit') incentive += p.incentiveRate * l.amount;
    const guarantorPart = l.type === 'guaranteed' ? g : 0;
    const el = l.pd * lgd * l.amount;
    expected.total += el;
    expected.guarantor += guarantorPart * el;
    expected.bank += (1 - guarantorPart) * el;
    if (!l.defaulted) continue;
    defaults++;
    bad += l.amount;
    const loss = lgd * l.amount;
    compensation += guarantorPart * l.amount;
    realised.total += loss;
    realised.guarantor += guarantorPart * loss;
    const bankLoss = (1 - guarantorPart) * loss;
    const paid = Math.min(poolLeft, p.pool.share * bankLoss);
    poolLeft -= paid;
    realised.pool += paid;
    realised.bank += bankLoss - paid;
  }
  expected.pool = Math.min(p.pool.amount, p.pool.share * expected.bank);
  expected.bank -= expected.pool;
  const guaranteedByGuarantor = g * amountByType.guaranteed;
  return {
    loans: loans.length,
    approvalRate: applicants ? loans.length / applicants : 0,
    committed,
    amount,
    firstLoans,
    creditLoans: credit,
    creditShare: amount ? amountByType.credit / amount : 0,
    amountByType,
    defaults,
    nplRate: amount ? bad / amount : 0,
    defaultRate: loans.length ? defaults / loans.length : 0,
    expectedLoss: expected,
    realisedLoss: realised,
    guarantorCompensation: compensation,
    guarantorCompensationRate: guaranteedByGuarantor ? compensation / guaranteedByGuarantor : 0,
    poolRemaining: poolLeft,
    incentive,
    byCity: segments(loans, (l) => l.city, amount),
    byDivisionType: segments(loans, (l) => l.divisionType, amount),
  };
}
