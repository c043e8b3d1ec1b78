/** portfolio.csv: every figure of the portfolio stage, one per line (scenario, book, segment, metric, value). */
import { csvRow } from '@fedrisk/shared';
import type { BookOutcome, PortfolioReport } from './types.ts';

function bookRows(scenario: string, book: string, b: BookOutcome): (string | number)[][] {
  const rows: (string | number)[][] = [];
  const add = (segment: string, metric: string, value: number | null) => rows.push([scenario, book, segment, metric, value ?? '']);
  for (const k of ['loans', 'approvalRate', 'committed', 'amount', 'firstLoans', 'creditLoans', 'creditShare', 'defaults', 'nplRate', 'defaultRate'] as const)
    add('all', k, b[k]);
  for (const [t, v] of Object.entries(b.amountByType)) add('all', `amount.${t}`, v);
  for (const kind of ['expectedLoss', 'realisedLoss'] as const) for (const [who, v] of Object.entries(b[kind])) add('all', `${kind}.${who}`, v);
  for (const k of ['guarantorCompensation', 'guarantorCompensationRate', 'poolRemaining', 'incentive'] as const) add('all', k, b[k]);
  for (const [group, segs] of [
    ['city', b.byCity],
    ['division', b.byDivisionType],
  ] as const)
    for (const [name, s] of Object.entries(segs)) for (const [k, v] of Object.entries(s)) add(`${group}:${name}`, k, v);
  return rows;
}

export function portfolioCsv(r: PortfolioReport): string {
  const rows: (string | number)[][] = [['scenario', 'book', 'segment', 'metric', 'value']];
  for (const [k, v] of Object.entries(r.decisions)) if (typeof v === 'number') rows.push(['', 'policy', 'all', k, v]);
  for (const [g, c] of Object.entries(r.decisions.byGrade)) for (const [k, v] of Object.entries(c)) rows.push(['', 'policy', `grade:${g}`, k, v]);
  for (const k of ['sent', 'overturned', 'overturnRate', 'overturnedThatDefault'] as const) rows.push(['', 'review', 'all', k, r.review[k]]);
  for (const s of r.scenarios) for (const [name, b] of Object.entries(s.books)) rows.push(...bookRows(s.name, name, b));
  for (const c of r.calibration)
    rows.push(['baseline', 'joint', 'calibration', `${c.metric}.simulated`, c.simulated], ['', 'seed', 'calibration', c.metric, c.seed]);
  return `${rows.map((row) => csvRow(row)).join('\n')}\n`;
}
