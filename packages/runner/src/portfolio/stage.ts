/**
 * The portfolio stage, run by the referee after scoring: the policy turns the
 * recipient's scores into loans (the decisions are the recipient's own,
 * checked against the referee's); the hidden outcomes (under each macro
 * scenario) into defaults, losses and who bears them. The bank alone, fitted
 * out of sample, lends the same number of loans, and as many as keep the joint
 * book's NPL rate. Plain arithmetic on what the run already has.
 */
import { join } from 'node:path';
import { creditPolicyOf, type DecisionsById, FedError, rowsOf, type Scenario, SEED_FIGURES, SYNTHETIC_LIMIT_COLUMN, writePrivateFile } from '@fedrisk/shared';
import { type BankBaseline, baselineLogits, basisOf } from '../baseline.ts';
import { checkRecipientDecisions } from '../decisions/check.ts';
import type { Prepared } from '../prepare.ts';
import { type BookParams, bookOutcome } from './book.ts';
import { fillColumn } from './columns.ts';
import { portfolioCsv } from './csv.ts';
import {
  type ApplicantScores,
  applyPolicy,
  countAtNpl,
  type LimitValues,
  type LoanBook,
  leadingLoans,
  loanBook,
  policyLoans,
  rankedLoans,
  scoredFrom,
} from './decisions.ts';
import type { BookName, BookOutcome, PortfolioReport, PortfolioScenario } from './types.ts';
import { applicantTruth, defaultsUnder, macroScenarios } from './world.ts';

export const PORTFOLIO_CSV = 'portfolio.csv';

function ruleText(s: Scenario, cutoff: number): string {
  const a = s.policy.approve;
  if (a.by === 'score') return `score >= ${a.minScore}`;
  if (a.by === 'grade') return `grade ${a.grades.join(', ')}`;
  return `best ${(100 * a.rate).toFixed(1)} % (score >= ${cutoff.toFixed(1)})`;
}

export async function portfolioStage(
  scenario: Scenario,
  prep: Prepared,
  scoresFrom: { keys: string; scoresFile: string },
  baseline: BankBaseline,
  recipientDecisions: DecisionsById,
): Promise<PortfolioReport> {
  const recipient = scenario.job.recipient;
  const policy = creditPolicyOf(scenario.policy);
  const card = scenario.scorecard;
  const ids = prep.applicants;
  const scores = await prep.scoresOf(scoresFrom.scoresFile);
  const n = ids.length;
  // the recipient wrote its scores in applicant order
  const rowOfScore = fillColumn(new Int32Array(n), (k) => {
    const id = ids[k] as string;
    const i = scores.index.get(id, k);
    if (i === undefined) throw new FedError('JOB_ERR_MISMATCH', `the recipient's scores have no value for business ${id}`);
    return i;
  });
  const pick = (column: Float64Array) => fillColumn(new Float64Array(n), (k) => column[rowOfScore[k] as number] as number);
  const grades = new Array<string>(n);
  for (let k = 0; k < n; k++) grades[k] = scores.grades[rowOfScore[k] as number] as string;
  const joint: ApplicantScores = { logits: pick(scores.logits), pds: pick(scores.pds), scores: pick(scores.scores), grades };
  const table = await prep.tableOf(recipient);
  const limitColumn = scenario.policy.limit.column ?? (scenario.data.kind === 'synthetic' ? SYNTHETIC_LIMIT_COLUMN : undefined);
  const column = limitColumn === undefined ? undefined : table.numeric.get(limitColumn);
  let limits: LimitValues;
  if (column) {
    // the applicants' rows, as the referee's verification already looked them up
    const rows = rowsOf(table, ids);
    limits = fillColumn(new Float64Array(n), (k) => column[rows[k] as number] ?? Number.NaN);
  }
  const bankAlone = scoredFrom(baselineLogits(baseline, table, ids), card);
  const truth = applicantTruth(prep, ids);

  const outcome = applyPolicy(policy, card, ids, joint, limits, truth);
  const jointLent = policyLoans(policy, outcome, joint, limits, truth);
  const ranked = rankedLoans(policy, bankAlone, limits, truth);
  const macros = macroScenarios(scenario);
  const baselineMacro = macros.find((m) => m.name === 'baseline') ?? (macros[0] as (typeof macros)[number]);
  const baseDefaults = defaultsUnder(baselineMacro, truth);
  const p = scenario.portfolio;
  const params = (lgdMultiplier: number, platform: boolean): BookParams => ({
    lossGivenDefault: p.lossGivenDefault,
    lgdMultiplier,
    guarantorShare: p.guarantee.guarantorShare,
    pool: p.pool,
    incentiveRate: platform ? p.incentive.rate : 0,
  });
  const jointBook = loanBook(jointLent, truth);
  const jointBase = bookOutcome(jointBook.settle(baseDefaults), n, params(baselineMacro.lossGivenDefault, true));
  const sameApprovals = leadingLoans(ranked, jointLent.length);
  const sameNpl = leadingLoans(ranked, countAtNpl(ranked, truth, baseDefaults, jointBase.nplRate));
  const aloneBooks = { sameApprovals: loanBook(sameApprovals, truth), sameNpl: loanBook(sameNpl, truth) };

  const scenarios: PortfolioScenario[] = macros.map((m) => {
    const d = defaultsUnder(m, truth);
    const book = (loans: LoanBook, platform: boolean): BookOutcome => bookOutcome(loans.settle(d), n, params(m.lossGivenDefault, platform));
    const books: Record<BookName, BookOutcome> = {
      joint: book(jointBook, true),
      bankAloneSameApprovals: book(aloneBooks.sameApprovals, false),
      bankAloneSameNpl: book(aloneBooks.sameNpl, false),
    };
    const { name, description, defaultOdds, industries, cities, clusters, lossGivenDefault } = m;
    const defaults = d.reduce((s, v) => s + v, 0);
    return {
      name,
      description,
      defaultOdds,
      industries,
      cities,
      clusters,
      lossGivenDefault,
      applicantDefaultRate: n ? defaults / n : 0,
      books,
    };
  });
  const base = (scenarios.find((s) => s.name === baselineMacro.name) as PortfolioScenario).books.joint;
  // the counts are the recipient's own decisions, once the referee found every one equal to its own
  const { counts, byGrade } = checkRecipientDecisions(
    recipientDecisions,
    ids,
    outcome.decisions,
    card.grades.map((g) => g.grade),
  );
  let overturned = 0;
  let overturnedThatDefault = 0;
  outcome.overturned.forEach((o, i) => {
    overturned += o;
    if (o && baseDefaults[i] === 1) overturnedThatDefault++;
  });
  const report: PortfolioReport = {
    scoresFrom: scoresFrom.keys,
    policy: {
      rule: ruleText(scenario, outcome.cutoff),
      cutoffScore: outcome.cutoff,
      limitColumn: limitColumn ?? null,
      ...scenario.policy.limit,
      creditGrades: [...policy.creditGrades],
      reviewMargin: policy.review.margin,
    },
    decisions: {
      applicants: ids.length,
      approved: counts.approve,
      rejected: counts.reject,
      review: counts.review,
      loans: jointLent.length,
      approvalRate: ids.length ? jointLent.length / ids.length : 0,
      byGrade,
      source: 'recipient',
      agreesWithReferee: true,
    },
    review: {
      sent: counts.review,
      overturned,
      overturnRate: counts.review ? overturned / counts.review : 0,
      overturnedThatDefault,
      truth: prep.population ? 'hidden-pd' : 'label',
      seed: { appeals: 1842, adjustedShare: SEED_FIGURES.reviewAdjusted.value },
    },
    bankAlone: {
      ...basisOf(baseline),
      sameApprovals: sameApprovals.length,
      sameNpl: sameNpl.length,
      targetNplRate: jointBase.nplRate,
      platformIncentive: false,
    },
    params: {
      lossGivenDefault: { ...p.lossGivenDefault },
      guarantorShare: p.guarantee.guarantorShare,
      pool: { ...p.pool },
      incentiveRate: p.incentive.rate,
    },
    scenarios,
    // the seed's figures describe the synthetic Shandong population: real data is not held against them
    calibration:
      scenario.data.kind !== 'synthetic'
        ? []
        : [
            { metric: 'nplRate', what: SEED_FIGURES.nplRate.what, simulated: base.nplRate, seed: SEED_FIGURES.nplRate.value },
            {
              metric: 'guarantorCompensationRate',
              what: SEED_FIGURES.guarantorCompensationRate.what,
              simulated: base.guarantorCompensationRate,
              seed: SEED_FIGURES.guarantorCompensationRate.value,
            },
            {
              metric: 'countyShare',
              what: SEED_FIGURES.countyShare.what,
              simulated: base.byDivisionType.county?.amountShare ?? 0,
              seed: SEED_FIGURES.countyShare.value,
            },
            { metric: 'creditShare', what: SEED_FIGURES.creditShare.what, simulated: base.creditShare, seed: SEED_FIGURES.creditShare.value },
          ],
    hiddenAttributes: prep.population !== undefined,
    csv: PORTFOLIO_CSV,
  };
  writePrivateFile(join(prep.runDir, PORTFOLIO_CSV), portfolioCsv(report));
  return report;
}
