/**
 * A book of loans and what happens to it, in plain arithmetic: losses by
 * loan type, the guarantor's share of guaranteed loans (80/20 by default),
 * the compensation pool that reimburses a share of the bank's losses until
 * it is spent, and the information-sharing incentive per first or credit loan.
 */

import type { CodedColumn } from './columns.ts';
import type { Bearers, BookOutcome, LoanType, Segment } from './types.ts';

/** The loan types, in the order a type column codes them. */
export const LOAN_TYPES: readonly LoanType[] = ['credit', 'guaranteed', 'secured'];

/** A book's loans as columns, one entry per loan. */
export interface LoanTable {
  length: number;
  /** the credit limit granted */
  limit: Float64Array;
  /** outstanding: what the borrower has drawn (exposure at default when it defaults) */
  amount: Float64Array;
  /** index into LOAN_TYPES */
  type: Uint8Array;
  /** the lending model's probability of default (for the expected loss) */
  pd: Float64Array;
  /** 1: the borrower defaults */
  defaulted: Uint8Array;
  /** 1: the business's first loan; undefined: not known (real data) */
  firstLoan: Uint8Array | undefined;
  city: CodedColumn;
  divisionType: CodedColumn;
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

function segments(loans: LoanTable, key: CodedColumn, total: number): Record<string, Segment> {
  const m = key.names.length;
  const count = new Float64Array(m);
  const amount = new Float64Array(m);
  const bad = new Float64Array(m);
  for (let k = 0; k < loans.length; k++) {
    const c = key.codes[k] as number;
    const a = loans.amount[k] as number;
    count[c] = (count[c] as number) + 1;
    amount[c] = (amount[c] as number) + a;
    if (loans.defaulted[k] === 1) bad[c] = (bad[c] as number) + a;
  }
  return Object.fromEntries(
    key.names
      .map((name, c) => ({ name, c }))
      .filter(({ c }) => (count[c] as number) > 0)
      .sort((a, b) => a.name.localeCompare(b.name))
      .map(({ name, c }) => {
        const s = { loans: count[c] as number, amount: amount[c] as number, bad: bad[c] as number };
        return [name, { loans: s.loans, amount: s.amount, amountShare: total ? s.amount / total : 0, nplRate: s.amount ? s.bad / s.amount : 0 }];
      }),
  );
}

/** Losses fall in the order the loans are listed; the pool pays until it is spent. */
export function bookOutcome(loans: LoanTable, applicants: number, p: BookParams): BookOutcome {
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
  for (let k = 0; k < loans.length; k++) {
    const type = LOAN_TYPES[loans.type[k] as number] as LoanType;
    const lAmount = loans.amount[k] as number;
    const firstLoan = loans.firstLoan?.[k];
    const lgd = Math.min(1, p.lossGivenDefault[type] * p.lgdMultiplier);
    amount += lAmount;
    committed += loans.limit[k] as number;
    amountByType[type] += lAmount;
    if (type === 'credit') credit++;
    if (firstLoan === undefined) firstLoans = null;
    else if (firstLoans !== null && firstLoan === 1) firstLoans++;
    if (firstLoan === 1 || type === 'credit') incentive += p.incentiveRate * lAmount;
    const guarantorPart = type === 'guaranteed' ? g : 0;
    const el = (loans.pd[k] as number) * lgd * lAmount;
    expected.total += el;
    expected.guarantor += guarantorPart * el;
    expected.bank += (1 - guarantorPart) * el;
    if (loans.defaulted[k] !== 1) continue;
    defaults++;
    bad += lAmount;
    const loss = lgd * lAmount;
    compensation += guarantorPart * lAmount;
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
    byCity: segments(loans, loans.city, amount),
    byDivisionType: segments(loans, loans.divisionType, amount),
  };
}
