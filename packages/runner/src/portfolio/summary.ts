/** The portfolio stage's lines in the console summary: policy, review, joint vs bank alone, macro scenarios, calibration. */
import type { BookOutcome, PortfolioReport } from './types.ts';

const pct = (x: number, digits = 1) => (Number.isFinite(x) ? `${(100 * x).toFixed(digits)} %` : 'n/a');
const cnyM = (x: number) => (x / 1e6).toFixed(1);
const money = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 0 });

/** A book's figures, as the summary and report.html show them. */
export const PORTFOLIO_ROWS: [string, (b: BookOutcome) => string][] = [
  ['loans', (b) => String(b.loans)],
  ['first loans', (b) => (b.firstLoans === null ? 'n/a' : String(b.firstLoans))],
  ['outstanding, CNY m', (b) => cnyM(b.amount)],
  ['credit-loan share', (b) => pct(b.creditShare)],
  ['NPL rate', (b) => pct(b.nplRate, 2)],
  ['loss bank, CNY m', (b) => `${cnyM(b.realisedLoss.bank)} (exp. ${cnyM(b.expectedLoss.bank)})`],
  ['loss guarantor, CNY m', (b) => `${cnyM(b.realisedLoss.guarantor)} (exp. ${cnyM(b.expectedLoss.guarantor)})`],
  ['pool paid, CNY m', (b) => `${cnyM(b.realisedLoss.pool)} (exp. ${cnyM(b.expectedLoss.pool)})`],
  ['incentive, CNY m', (b) => cnyM(b.incentive)],
  // no division at all: the data has none (real data); some, none of them county: 0 %
  ['county share', (b) => (Object.keys(b.byDivisionType).length ? pct(b.byDivisionType.county?.amountShare ?? 0) : 'n/a')],
];

/** The joint book's figures under each macro scenario. */
export const MACRO_ROWS: [string, (b: BookOutcome) => string][] = [
  ['NPL rate', (b) => pct(b.nplRate, 2)],
  ['loss bank, CNY m', (b) => cnyM(b.realisedLoss.bank)],
  ['loss guarantor, CNY m', (b) => cnyM(b.realisedLoss.guarantor)],
  ['pool paid, CNY m', (b) => cnyM(b.realisedLoss.pool)],
  ['pool left, CNY m', (b) => cnyM(b.poolRemaining)],
  ['guarantor comp. rate', (b) => pct(b.guarantorCompensationRate, 2)],
];

function table(head: string, columns: string[], rows: [string, string[]][]): string[] {
  const w = Math.max(22, ...rows.map(([l]) => l.length));
  const widths = columns.map((c, k) => Math.max(c.length, ...rows.map(([, v]) => (v[k] as string).length)));
  const line = (label: string, cells: string[]) => `            ${label.padEnd(w)}  ${cells.map((c, k) => c.padStart(widths[k] as number)).join('   ')}`;
  return [`  ${head.padEnd(10)}${line('', columns).slice(12)}`, ...rows.map(([l, v]) => line(l, v))];
}

export function portfolioLines(p: PortfolioReport): string[] {
  const out: string[] = [];
  const d = p.decisions;
  const limit = p.policy.limitColumn
    ? `${p.policy.multiple} x ${p.policy.limitColumn}, cap ${money(p.policy.cap)}`
    : `${money(p.policy.cap)} each (no limit column)`;
  out.push(`  policy    approve ${p.policy.rule} · limit ${limit} · credit loans for grade ${p.policy.creditGrades.join(', ') || '(none)'}`);
  const grades = Object.entries(d.byGrade)
    .map(([g, c]) => `${g} ${c.approved}/${c.applicants}`)
    .join(' · ');
  out.push(
    `  decisions ${d.approved} approved, ${d.review} to review, ${d.rejected} rejected of ${d.applicants} (the bank's own decisions, the referee's the same); ${d.loans} loans (${pct(d.approvalRate)}) · approved/applicants by grade: ${grades}`,
  );
  const r = p.review;
  out.push(
    `  review    ${r.sent} within ${p.policy.reviewMargin} points of the cut-off; the review overturns ${r.overturned} (${pct(r.overturnRate)}; ${r.overturnedThatDefault} of them default) · seed: ${pct(r.seed.adjustedShare)} of ${money(r.seed.appeals)} appeals adjusted`,
  );
  const base = p.scenarios.find((s) => s.name === 'baseline') ?? p.scenarios[0];
  if (base) {
    const books = [base.books.joint, base.books.bankAloneSameApprovals, base.books.bankAloneSameNpl];
    out.push(
      ...table(
        `portfolio`,
        [`joint (${base.name})`, 'bank alone, same loans', 'bank alone, same NPL'],
        PORTFOLIO_ROWS.map(([l, f]) => [l, books.map(f)]),
      ),
    );
    out.push(`            bank alone: fitted out of sample on ${p.bankAlone.fittedOn}; no platform incentive`);
  }
  if (p.scenarios.length > 1) {
    out.push(
      ...table(
        'macro',
        p.scenarios.map((s) => s.name),
        MACRO_ROWS.map(([l, f]) => [l, p.scenarios.map((s) => f(s.books.joint))]),
      ),
    );
  }
  if (p.calibration.length) out.push(`  calibrate ${p.calibration.map((c) => `${c.metric} ${pct(c.simulated, 2)} (seed ${pct(c.seed, 2)})`).join(' · ')}`);
  out.push(`  portfolio everything in ${p.csv}`);
  return out;
}
