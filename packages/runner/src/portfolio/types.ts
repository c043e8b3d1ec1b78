/** The portfolio stage's part of report.json: its types, one place. */
import type { BaselineBasis } from '../baseline.ts';

export type LoanType = 'credit' | 'guaranteed' | 'secured';

/** Whose loans: the joint model under the policy, or the bank alone at the joint model's approvals or NPL rate. */
export type BookName = 'joint' | 'bankAloneSameApprovals' | 'bankAloneSameNpl';

/** CNY, by who bears it; bank + guarantor + pool = total. */
export interface Bearers {
  bank: number;
  guarantor: number;
  pool: number;
  total: number;
}

export interface Segment {
  loans: number;
  amount: number;
  /** share of the book's lending (amount) */
  amountShare: number;
  /** defaulted amount over lent amount */
  nplRate: number;
}

export interface BookOutcome {
  loans: number;
  /** loans over applicants */
  approvalRate: number;
  /** credit limits granted, CNY */
  committed: number;
  /** outstanding (drawn) amount, CNY: the base of every share and rate below */
  amount: number;
  /** loans to businesses that never had a bank loan; null when the data has no such attribute (real data) */
  firstLoans: number | null;
  creditLoans: number;
  /** credit loans' share of the amount lent */
  creditShare: number;
  amountByType: Record<LoanType, number>;
  defaults: number;
  /** non-performing (defaulted) amount over amount lent */
  nplRate: number;
  /** defaulted loans over loans */
  defaultRate: number;
  /** model PD x LGD x amount, shared like the realised loss */
  expectedLoss: Bearers;
  realisedLoss: Bearers;
  /** what the guarantor paid the bank on defaulted guaranteed loans (its share of the principal), and that over what it guaranteed */
  guarantorCompensation: number;
  guarantorCompensationRate: number;
  poolRemaining: number;
  /** information-sharing incentive paid (loans made through the platform only) */
  incentive: number;
  byCity: Record<string, Segment>;
  byDivisionType: Record<string, Segment>;
}

export interface PortfolioScenario {
  name: string;
  description: string;
  defaultOdds: number;
  industries: Record<string, number>;
  cities: Record<string, number>;
  clusters: { city: string; industry: string; defaultOdds: number }[];
  lossGivenDefault: number;
  /** defaults among all applicants under this scenario (hidden outcome) */
  applicantDefaultRate: number;
  books: Record<BookName, BookOutcome>;
}

export interface GradeCount {
  applicants: number;
  approved: number;
  review: number;
  rejected: number;
}

export interface PortfolioReport {
  /** the design whose decrypted scores the stage used */
  scoresFrom: string;
  policy: {
    rule: string;
    cutoffScore: number;
    limitColumn: string | null;
    multiple: number;
    cap: number;
    roundTo: number;
    creditGrades: string[];
    reviewMargin: number;
  };
  decisions: {
    applicants: number;
    approved: number;
    rejected: number;
    review: number;
    /** approved by the policy, plus reviews overturned */
    loans: number;
    approvalRate: number;
    byGrade: Record<string, GradeCount>;
    /** the counts are the recipient's own decisions (its decisions.csv) */
    source: 'recipient';
    /** the referee applied the same policy to the same scores and reached every decision, limit and grade the same */
    agreesWithReferee: true;
  };
  review: {
    sent: number;
    overturned: number;
    overturnRate: number;
    /** of those overturned, how many default (baseline) */
    overturnedThatDefault: number;
    /** what the simulated reviewer learns: the hidden probability of default, or (real data) the label */
    truth: 'hidden-pd' | 'label';
    seed: { appeals: number; adjustedShare: number };
  };
  bankAlone: BaselineBasis & { sameApprovals: number; sameNpl: number; targetNplRate: number; platformIncentive: false };
  params: {
    lossGivenDefault: Record<LoanType, number>;
    guarantorShare: number;
    pool: { amount: number; share: number };
    incentiveRate: number;
  };
  scenarios: PortfolioScenario[];
  /** the simulated figures next to the seed's; empty for real data (the seed describes the synthetic population) */
  calibration: { metric: string; what: string; simulated: number; seed: number }[];
  /** whether the data has the referee's hidden attributes (city, county, first loan, guarantee) */
  hiddenAttributes: boolean;
  csv: string;
}
