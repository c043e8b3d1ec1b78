/** The reasons lines of the console summary: counts, what the bank received, the referee's quality check, one notice. */
import type { ReasonsReport } from './quality.ts';

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

export function reasonsLines(r: ReasonsReport): string[] {
  const from = Object.entries(r.byParty)
    .map(([p, n]) => `${p} ${n}`)
    .join(' · ');
  const received = Object.entries(r.received)
    .map(([p, x]) => `${p} ${x.codes} codes and ${x.bands} bands for ${x.applicants} applicants`)
    .join(' · ');
  const q = r.quality;
  const out = [
    `  reasons   ${r.rejected} rejected or sent to review, ${r.withMin} with at least ${r.min} reasons (${r.filled} filled up with a factor that cost no points, ${r.short} short) · final reasons from ${from || 'nobody'}`,
    `  received  the bank received codes and ${r.bandPoints}-point bands only, no value: ${received || 'nothing (no holder)'}`,
    ...(r.refined
      ? [
          `  refined   ${r.refined.pairs} contested pairs compared under encryption (the bank learned their order only), ${r.refined.unresolved} left to the bands · ${r.refined.ms} ms, ${(r.refined.bytes / 1e6).toFixed(1)} MB through the bank`,
        ]
      : []),
    `  quality   top ${q.top} as the referee ranks every column in plaintext: ${pct(q.sameSetRate)} the same ${q.top}, ${pct(q.sameOrderRate)} in the same order, of ${q.compared} (target >= ${pct(q.target)} at ${r.bandPoints}-point bands)`,
  ];
  // the example's wording depends on the data: its place is report.json (and the view), not the summary's fixed lines
  if (r.example) out.push(`  notice    one applicant's notice in Chinese and English, each reason with its own party's value: report.json reasons.example`);
  return out;
}
