/** The portfolio stage's arithmetic, with numbers checked by hand. */
import {
  type BookParams,
  bookOutcome,
  codedColumn,
  countAtNpl,
  defaultsUnder,
  type LentTable,
  LOAN_TYPES,
  type LoanTable,
  loanBook,
  type TruthTable,
} from '@fedrisk/runner';
import { createRng, DEFAULT_MACRO, type MacroScenario } from '@fedrisk/shared';
import { describe, expect, it } from 'vitest';

// the columns the stage works on, made from one object per loan or applicant: the numbers below are checked by hand
type LoanType = 'credit' | 'guaranteed' | 'secured';
interface Loan {
  limit: number;
  amount: number;
  type: LoanType;
  pd: number;
  defaulted: boolean;
  firstLoan: boolean | undefined;
  city: string;
  divisionType: string;
}
interface Lent {
  index: number;
  amount: number;
  type: LoanType;
  pd: number;
}
interface ApplicantTruth {
  city: string;
  industry: string;
  divisionType: string;
  firstLoan: boolean | undefined;
  guaranteeEligible: boolean;
  drawnShare: number;
  label: number;
  riskLogit?: number;
  draw?: number;
}
const loanTable = (loans: readonly Loan[]): LoanTable => ({
  length: loans.length,
  limit: Float64Array.from(loans, (l) => l.limit),
  amount: Float64Array.from(loans, (l) => l.amount),
  type: Uint8Array.from(loans, (l) => LOAN_TYPES.indexOf(l.type)),
  pd: Float64Array.from(loans, (l) => l.pd),
  defaulted: Uint8Array.from(loans, (l) => (l.defaulted ? 1 : 0)),
  firstLoan: loans.some((l) => l.firstLoan === undefined) ? undefined : Uint8Array.from(loans, (l) => (l.firstLoan ? 1 : 0)),
  city: codedColumn(loans.length, (k) => (loans[k] as Loan).city, 'city'),
  divisionType: codedColumn(loans.length, (k) => (loans[k] as Loan).divisionType, 'divisionType'),
});
const lentTable = (lent: readonly Lent[]): LentTable => ({
  length: lent.length,
  index: Int32Array.from(lent, (l) => l.index),
  amount: Float64Array.from(lent, (l) => l.amount),
  type: Uint8Array.from(lent, (l) => LOAN_TYPES.indexOf(l.type)),
  pd: Float64Array.from(lent, (l) => l.pd),
});
const truthTable = (t: readonly ApplicantTruth[]): TruthTable => {
  const at = (k: number) => t[k] as ApplicantTruth;
  const hidden = t.every((x) => x.riskLogit !== undefined && x.draw !== undefined);
  return {
    length: t.length,
    city: codedColumn(t.length, (k) => at(k).city, 'city'),
    industry: codedColumn(t.length, (k) => at(k).industry, 'industry'),
    divisionType: codedColumn(t.length, (k) => at(k).divisionType, 'divisionType'),
    firstLoan: t.some((x) => x.firstLoan === undefined) ? undefined : Uint8Array.from(t, (x) => (x.firstLoan ? 1 : 0)),
    guaranteeEligible: Uint8Array.from(t, (x) => (x.guaranteeEligible ? 1 : 0)),
    drawnShare: Float64Array.from(t, (x) => x.drawnShare),
    label: Uint8Array.from(t, (x) => x.label),
    ...(hidden ? { riskLogit: Float64Array.from(t, (x) => x.riskLogit as number), draw: Float64Array.from(t, (x) => x.draw as number) } : {}),
  };
};

const params: BookParams = {
  lossGivenDefault: { credit: 0.5, guaranteed: 0.6, secured: 0.4 },
  lgdMultiplier: 1,
  guarantorShare: 0.8,
  pool: { amount: 100, share: 0.3 },
  incentiveRate: 0.01,
};

const loans: Loan[] = [
  { limit: 1000, amount: 1000, type: 'credit', pd: 0.1, defaulted: true, firstLoan: false, city: 'A', divisionType: 'district' },
  { limit: 2000, amount: 2000, type: 'guaranteed', pd: 0.05, defaulted: true, firstLoan: true, city: 'B', divisionType: 'county' },
  { limit: 1000, amount: 500, type: 'secured', pd: 0.02, defaulted: false, firstLoan: true, city: 'A', divisionType: 'county' },
  { limit: 300, amount: 300, type: 'credit', pd: 0.01, defaulted: false, firstLoan: false, city: 'B', divisionType: 'district' },
];

describe('a book of loans', () => {
  it('shares losses 80/20 on guaranteed loans, lets the pool pay 30% of the bank loss until spent, pays the incentive per first or credit loan', () => {
    const b = bookOutcome(loanTable(loans), 8, params);
    expect(b.loans).toBe(4);
    expect(b.approvalRate).toBe(0.5);
    expect(b.committed).toBe(4300);
    expect(b.amount).toBe(3800);
    expect(b.amountByType).toEqual({ credit: 1300, guaranteed: 2000, secured: 500 });
    // loan 1 (credit): loss 0.5 x 1000 = 500, all the bank's; the pool pays min(100, 0.3 x 500) = 100 and is spent
    // loan 2 (guaranteed): loss 0.6 x 2000 = 1200: guarantor 960, bank 240; the empty pool pays nothing
    expect(b.realisedLoss.total).toBeCloseTo(1700, 9);
    expect(b.realisedLoss.guarantor).toBeCloseTo(960, 9);
    expect(b.realisedLoss.pool).toBeCloseTo(100, 9);
    expect(b.realisedLoss.bank).toBeCloseTo(640, 9);
    expect(b.poolRemaining).toBe(0);
    // the guarantor pays 80% of the defaulted principal: 1600 of the 1600 it guaranteed
    expect(b.guarantorCompensation).toBeCloseTo(1600, 9);
    expect(b.guarantorCompensationRate).toBeCloseTo(1, 9);
    expect(b.defaults).toBe(2);
    expect(b.nplRate).toBeCloseTo(3000 / 3800, 12);
    expect(b.defaultRate).toBe(0.5);
    expect(b.creditLoans).toBe(2);
    expect(b.creditShare).toBeCloseTo(1300 / 3800, 12);
    expect(b.firstLoans).toBe(2);
    // 1% of 1000 (credit) + 2000 (first) + 500 (first) + 300 (credit)
    expect(b.incentive).toBeCloseTo(38, 9);
    // expected: 50 (bank) + 60 (48 guarantor, 12 bank) + 4 + 1.5; the pool's expected share 0.3 x 67.5
    expect(b.expectedLoss.total).toBeCloseTo(115.5, 9);
    expect(b.expectedLoss.guarantor).toBeCloseTo(48, 9);
    expect(b.expectedLoss.pool).toBeCloseTo(20.25, 9);
    expect(b.expectedLoss.bank).toBeCloseTo(47.25, 9);
    expect(b.byCity).toEqual({
      A: { loans: 2, amount: 1500, amountShare: 1500 / 3800, nplRate: 1000 / 1500 },
      B: { loans: 2, amount: 2300, amountShare: 2300 / 3800, nplRate: 2000 / 2300 },
    });
    expect(b.byDivisionType.county).toEqual({ loans: 2, amount: 2500, amountShare: 2500 / 3800, nplRate: 2000 / 2500 });
  });

  it('with a pool large enough, reimburses exactly its share; a loss given default scaled past 1 is capped', () => {
    const b = bookOutcome(loanTable(loans), 4, { ...params, pool: { amount: 1e9, share: 0.3 }, lgdMultiplier: 2 });
    // LGD 1 for both defaults: bank 1000 + 0.2 x 2000 = 1400 gross, the pool pays 420
    expect(b.realisedLoss.total).toBeCloseTo(3000, 9);
    expect(b.realisedLoss.guarantor).toBeCloseTo(1600, 9);
    expect(b.realisedLoss.pool).toBeCloseTo(420, 9);
    expect(b.realisedLoss.bank).toBeCloseTo(980, 9);
    expect(b.poolRemaining).toBeCloseTo(1e9 - 420, 3);
  });

  it('pays no incentive off the platform, and says first loans are unknown when the data has no such attribute', () => {
    const b = bookOutcome(loanTable(loans.map((l) => ({ ...l, firstLoan: undefined }))), 4, { ...params, incentiveRate: 0 });
    expect(b.incentive).toBe(0);
    expect(b.firstLoans).toBeNull();
  });
});

describe('a lending decision booked under several outcomes', () => {
  it('settles the same loans again per scenario to the books freshly made loans give', () => {
    const rng = createRng(7);
    const types = ['credit', 'guaranteed', 'secured'] as const;
    const truth = Array.from({ length: 400 }, (_, i) => ({
      city: `c${i % 5}`,
      industry: 'trade',
      divisionType: i % 3 ? 'district' : 'county',
      firstLoan: rng.next() < 0.3,
      guaranteeEligible: true,
      drawnShare: rng.next(),
      label: 0,
    })) as ApplicantTruth[];
    const lent: Lent[] = Array.from({ length: 250 }, (_, k) => ({
      index: (k * 7) % 400,
      amount: 1000 + k,
      type: types[k % 3] as Lent['type'],
      pd: rng.next() / 10,
    }));
    const fresh = (defaulted: Uint8Array): Loan[] =>
      lent.map((l) => {
        const t = truth[l.index] as ApplicantTruth;
        const bad = defaulted[l.index] === 1;
        return {
          limit: l.amount,
          amount: bad ? l.amount : l.amount * t.drawnShare,
          type: l.type,
          pd: l.pd,
          defaulted: bad,
          firstLoan: t.firstLoan,
          city: t.city,
          divisionType: t.divisionType,
        };
      });
    const book = loanBook(lentTable(lent), truthTable(truth));
    for (const rate of [0.02, 0.2, 0.02]) {
      const defaulted = Uint8Array.from(truth, () => (rng.next() < rate ? 1 : 0));
      expect(bookOutcome(book.settle(defaulted), 400, params)).toEqual(bookOutcome(loanTable(fresh(defaulted)), 400, params));
    }
  });
});

describe('the bank alone at the same NPL rate', () => {
  const truth = (drawn: number): ApplicantTruth => ({
    city: 'A',
    industry: 'x',
    divisionType: 'county',
    firstLoan: false,
    guaranteeEligible: false,
    drawnShare: drawn,
    label: 0,
  });
  it('takes the most loans, best first, whose NPL rate (on outstanding amounts) stays at or below the target', () => {
    const ranked = lentTable([0, 1, 2, 3].map((index) => ({ index, amount: 100, type: 'credit' as const, pd: 0 })));
    const t = truthTable([truth(0.5), truth(0.5), truth(0.5), truth(0.5)]);
    // loan 1 defaults: after 2 loans 100 / 150 bad; after 3, 100 / 200; after 4, 100 / 250
    const d = Uint8Array.from([0, 1, 0, 0]);
    expect(countAtNpl(ranked, t, d, 0.4)).toBe(4);
    expect(countAtNpl(ranked, t, d, 0.5)).toBe(4);
    expect(countAtNpl(ranked, t, d, 0.45)).toBe(4);
    expect(countAtNpl(ranked, t, d, 0.39)).toBe(1);
    expect(countAtNpl(ranked, t, d, 0)).toBe(1);
    expect(countAtNpl(ranked, t, Uint8Array.from([1, 0, 0, 0]), 0.1)).toBe(0);
  });
});

describe('macro scenarios', () => {
  const world: ApplicantTruth[] = [
    {
      city: 'Linyi',
      industry: 'logistics',
      divisionType: 'county',
      firstLoan: true,
      guaranteeEligible: false,
      drawnShare: 1,
      label: 0,
      riskLogit: -3,
      draw: 0.1,
    },
    {
      city: 'Jinan',
      industry: 'manufacturing',
      divisionType: 'district',
      firstLoan: false,
      guaranteeEligible: false,
      drawnShare: 1,
      label: 1,
      riskLogit: -3,
      draw: 0.04,
    },
    {
      city: 'Jinan',
      industry: 'logistics',
      divisionType: 'district',
      firstLoan: false,
      guaranteeEligible: false,
      drawnShare: 1,
      label: 0,
      riskLogit: -3,
      draw: 0.1,
    },
  ];
  const stress = DEFAULT_MACRO.find((m) => m.name === 'stress') as MacroScenario;
  it('baseline reproduces the hidden labels; the odds multiply overall, by industry, city and cluster on the same draws', () => {
    // sigmoid(-3) = 0.0474: only the draw 0.04 defaults
    expect([...defaultsUnder(DEFAULT_MACRO[0] as MacroScenario, truthTable(world))]).toEqual([0, 1, 0]);
    // stress: odds x1.6 everywhere, x3 more in Linyi logistics: sigmoid(-3 + ln 4.8) = 0.193 > 0.1; Jinan logistics sigmoid(-3 + ln 1.6) = 0.074 < 0.1
    expect([...defaultsUnder(stress, truthTable(world))]).toEqual([1, 1, 0]);
  });
  it('real data has no hidden risk to shift: its labels stand', () => {
    const real = world.map(({ riskLogit: _r, draw: _d, ...t }) => t);
    expect([...defaultsUnder(stress, truthTable(real))]).toEqual([0, 1, 0]);
  });
});
