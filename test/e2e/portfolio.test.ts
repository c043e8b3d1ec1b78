/**
 * The portfolio stage end to end (in-process launcher, real sockets, real
 * SEAL): six parties score jointly, the referee lends by the policy, books
 * the hidden outcomes under three macro scenarios (one of them the user's
 * own) and compares the joint book with the bank alone.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Report, runScenario, summaryItems } from '@fedrisk/runner';
import { loadScenario, parseCsv } from '@fedrisk/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { fileTempDir, inProcess } from '../helpers/fixtures.ts';

const SIX = new URL('../../scenarios/six-parties.yaml', import.meta.url).pathname;
let report: Report;
let runDir: string;
/** The summary's logical lines (before wrapping to the terminal), padding collapsed. */
const summaryText = () =>
  summaryItems(report, runDir)
    .map((l) => l.replace(/ {2,}/g, ' '))
    .join('\n');

beforeAll(async () => {
  const scenario = await loadScenario(SIX);
  scenario.name = 'e2e-six';
  if (scenario.data.kind === 'synthetic') scenario.data.businesses = 3000;
  scenario.job.applicants = 1500;
  scenario.job.compareWith = [];
  scenario.portfolio.pool = { amount: 1_000_000, share: 0.3 };
  scenario.portfolio.macro = [
    { name: 'baseline', description: '', defaultOdds: 1, industries: {}, cities: {}, clusters: [], lossGivenDefault: 1 },
    { name: 'stress', description: '', defaultOdds: 2, industries: { agriculture: 1.5 }, cities: {}, clusters: [], lossGivenDefault: 1.2 },
    {
      name: 'linyi-logistics',
      description: 'user-defined',
      defaultOdds: 1,
      industries: {},
      cities: {},
      clusters: [{ city: 'Linyi', industry: 'logistics', defaultOdds: 6 }],
      lossGivenDefault: 1,
    },
  ];
  const result = await runScenario({
    scenario,
    scenarioFile: SIX,
    runsDir: fileTempDir('fedrisk-portfolio-'),
    launcher: inProcess(),
  });
  report = result.report;
  runDir = result.runDir;
}, 120_000);

describe('six parties score jointly and the referee books the loans', () => {
  it('scores with all six parties (threshold: all six decrypt) and beats the bank alone fitted out of sample', () => {
    expect(report.ok, JSON.stringify(report.error)).toBe(true);
    expect(report.scenario.parties.map((p) => p.role)).toEqual(['bank', 'tax', 'guarantor', 'power', 'social', 'logistics']);
    const v = report.verification;
    expect(v?.maxAbsLogitError).toBeLessThanOrEqual(1e-4);
    expect(v?.auc).toBeGreaterThan(v?.bankOnlyAuc ?? 1);
    expect(v?.bankOnlyBasis).toMatchObject({ basis: 'another-seed', seed: report.scenario.seed + 1 });
    // fitted on another population's customers, not on the 1500 applicants it is scored on
    expect(v?.bankOnlyBasis.rows).toBeGreaterThan(2000);
    expect(summaryText()).toMatch(/bank alone: fitted out of sample on bank's customers in a population drawn with seed/);
  });

  it('counts decisions by grade and manual reviews, next to the seed figure', () => {
    const p = report.portfolio;
    if (!p) throw new Error('no portfolio');
    const d = p.decisions;
    expect(d.approved + d.review + d.rejected).toBe(1500);
    expect(Object.values(d.byGrade).reduce((s, g) => s + g.applicants, 0)).toBe(1500);
    expect(Object.values(d.byGrade).reduce((s, g) => s + g.approved, 0)).toBe(d.approved);
    expect(p.review.sent).toBe(d.review);
    expect(p.review.sent).toBeGreaterThan(0);
    expect(p.review.overturned).toBeGreaterThan(0);
    expect(p.review.overturned).toBeLessThan(p.review.sent);
    expect(d.loans).toBe(d.approved + p.review.overturned);
    const text = summaryText();
    expect(text).toMatch(
      /decisions \d+ approved, \d+ to review, \d+ rejected of 1500 \(the bank's own decisions, the referee's the same\); \d+ loans .* by grade: A \d+\/\d+ · B/,
    );
    expect(text).toMatch(/review \d+ within 10 points of the cut-off; the review overturns \d+ .* seed: 11\.7 % of 1,842 appeals adjusted/);
  });

  it('gives every rejected applicant at least three reasons, drawn from all six parties’ columns', () => {
    const r = report.reasons;
    expect(r?.rejected).toBe((report.portfolio?.decisions.rejected ?? 0) + (report.portfolio?.decisions.review ?? 0));
    expect(r?.withMin).toBe(r?.rejected);
    expect(Object.keys(r?.byParty ?? {}).sort()).toEqual(['bank', 'guarantor', 'logistics', 'power', 'social', 'tax']);
    expect(Object.keys(r?.received ?? {}).sort()).toEqual(['guarantor', 'logistics', 'power', 'social', 'tax']);
    expect(r?.quality.compared).toBeGreaterThan(100);
  });

  it('compares the joint book with the bank alone at the same loans and at the same NPL rate', () => {
    const p = report.portfolio;
    const base = p?.scenarios.find((s) => s.name === 'baseline');
    if (!p || !base) throw new Error('no baseline');
    const { joint, bankAloneSameApprovals: same, bankAloneSameNpl: sameNpl } = base.books;
    expect(same.loans).toBe(joint.loans);
    expect(same.nplRate).toBeGreaterThan(joint.nplRate);
    expect(sameNpl.nplRate).toBeLessThanOrEqual(joint.nplRate + 1e-12);
    expect(sameNpl.loans).toBeLessThan(joint.loans);
    expect(joint.creditShare).toBeGreaterThan(same.creditShare);
    expect(joint.incentive).toBeGreaterThan(0);
    expect(same.incentive).toBe(0);
    for (const b of [joint, same, sameNpl]) {
      const r = b.realisedLoss;
      expect(r.bank + r.guarantor + r.pool).toBeCloseTo(r.total, 6);
      expect(Object.values(b.byDivisionType).reduce((s, x) => s + x.amountShare, 0)).toBeCloseTo(1, 9);
      expect(Object.keys(b.byCity).sort()).toEqual(['Jinan', 'Linyi', 'Qingdao', 'Weifang', 'Yantai', 'Zibo']);
    }
    const text = summaryText();
    expect(text).toMatch(/portfolio +joint \(baseline\) +bank alone, same loans +bank alone, same NPL/);
    expect(text).toMatch(/first loans +\d+ +\d+ +\d+/);
  });

  it('runs the macro scenarios on the same loans side by side, pool balance and compensation rate under each', () => {
    const p = report.portfolio;
    if (!p) throw new Error('no portfolio');
    const [base, stress, cluster] = p.scenarios.map((s) => s.books.joint);
    if (!base || !stress || !cluster) throw new Error('three scenarios expected');
    expect(p.scenarios.map((s) => s.name)).toEqual(['baseline', 'stress', 'linyi-logistics']);
    // the same draws decide: a harsher scenario only adds defaults
    expect(stress.loans).toBe(base.loans);
    expect(stress.defaults).toBeGreaterThan(base.defaults);
    expect(cluster.defaults).toBeGreaterThanOrEqual(base.defaults);
    expect(cluster.byCity.Linyi?.nplRate ?? 0).toBeGreaterThanOrEqual(base.byCity.Linyi?.nplRate ?? 0);
    expect(stress.realisedLoss.total).toBeGreaterThan(base.realisedLoss.total);
    // a small pool: spent under stress, never overdrawn
    expect(stress.poolRemaining).toBeGreaterThanOrEqual(0);
    expect(base.poolRemaining).toBeGreaterThan(0);
    expect(stress.poolRemaining).toBe(0);
    expect(stress.realisedLoss.pool + stress.poolRemaining).toBeCloseTo(1_000_000, 6);
    expect(stress.guarantorCompensationRate).toBeGreaterThan(base.guarantorCompensationRate);
    const text = summaryText();
    expect(text).toMatch(/macro +baseline +stress +linyi-logistics/);
    expect(text).toMatch(/pool left, CNY m +[\d.]+ +[\d.]+ +[\d.]+/);
    expect(text).toMatch(/guarantor comp\. rate +[\d.]+ % +[\d.]+ % +[\d.]+ %/);
  });

  it("shows the calibration figures next to the seed's, and writes everything to portfolio.csv", () => {
    const p = report.portfolio;
    if (!p) throw new Error('no portfolio');
    expect(p.calibration.map((c) => [c.metric, c.seed])).toEqual([
      ['nplRate', 0.0162],
      ['guarantorCompensationRate', 0.0197],
      ['countyShare', 0.478],
      ['creditShare', 0.547],
    ]);
    expect(summaryText()).toMatch(/calibrate nplRate [\d.]+ % \(seed 1\.62 %\) · guarantorCompensationRate [\d.]+ % \(seed 1\.97 %\) · countyShare/);
    const csv = parseCsv(readFileSync(join(runDir, 'portfolio.csv'), 'utf8'), 'portfolio.csv');
    expect(csv[0]?.cells).toEqual(['scenario', 'book', 'segment', 'metric', 'value']);
    const value = (scenario: string, book: string, segment: string, metric: string) =>
      Number(csv.find((r) => r.cells[0] === scenario && r.cells[1] === book && r.cells[2] === segment && r.cells[3] === metric)?.cells[4]);
    expect(value('stress', 'joint', 'all', 'nplRate')).toBe(p.scenarios[1]?.books.joint.nplRate);
    expect(value('baseline', 'bankAloneSameNpl', 'division:county', 'amount')).toBe(p.scenarios[0]?.books.bankAloneSameNpl.byDivisionType.county?.amount);
  });
});

describe('the default population and policy land near the seed figures', () => {
  let full: Report;
  beforeAll(async () => {
    const scenario = await loadScenario(new URL('../../scenarios/default.yaml', import.meta.url).pathname);
    // the default scenario as it is, with one design and query alignment: the figures depend on the scores, not on who holds the key or how records align
    scenario.job.keys = 'single-holder';
    scenario.job.compareWith = [];
    scenario.job.alignment = 'query';
    ({ report: full } = await runScenario({ scenario, scenarioFile: 'default', runsDir: fileTempDir('fedrisk-calibration-'), launcher: inProcess() }));
  }, 120_000);

  it('under query alignment too, every rejected applicant has at least three reasons, and the referee measures their quality', () => {
    const r = full.reasons;
    expect(r?.rejected).toBeGreaterThan(1000);
    expect(r?.withMin).toBe(r?.rejected);
    expect(r?.quality.compared).toBeGreaterThan(1000);
    expect(r?.quality.sameSetRate).toBeGreaterThan(0.8);
  });

  it('NPL near 1.62 %, guarantor compensation rate near 1.97 %, county share near 47.8 %', () => {
    expect(full.ok, JSON.stringify(full.error)).toBe(true);
    const sim = Object.fromEntries((full.portfolio?.calibration ?? []).map((c) => [c.metric, c.simulated]));
    expect(sim.nplRate).toBeGreaterThan(0.012);
    expect(sim.nplRate).toBeLessThan(0.02);
    expect(sim.guarantorCompensationRate).toBeGreaterThan(0.015);
    expect(sim.guarantorCompensationRate).toBeLessThan(0.025);
    expect(sim.countyShare).toBeGreaterThan(0.45);
    expect(sim.countyShare).toBeLessThan(0.51);
  });
});
