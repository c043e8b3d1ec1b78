/** The summary's governance lines: trails, authorisations, minimum necessary, the regulator. */
import type { Report } from '../report/types.ts';

const labelled = (label: string, text: string): string => `  ${label.padEnd(10)}${text}`;

export function governanceLines(r: Report): string[] {
  const g = r.governance;
  if (!g) return [];
  const trails = Object.keys(g.audit.entries).length;
  const auth = Object.entries(g.authorisations)
    .map(([id, a]) => `${id} ${a.authorised} of ${a.matched}`)
    .join(', ');
  const beyond = Object.entries(g.minimumNecessary).filter(([, m]) => m.records.valuesBeyondNeed > 0 || m.columns.usedBeyondNeed.length);
  const necessity = beyond.length
    ? `beyond need: ${beyond.map(([id, m]) => `${id} ${m.records.valuesBeyondNeed} records`).join(', ')}`
    : 'no value left a party beyond what the job needed';
  const out = [
    labelled(
      'audit',
      `${trails} trails, ${g.audit.countersigned ? 'heads countersigned by all' : 'NOT countersigned'}, ${g.audit.findings.length} finding(s) · authorisations valid: ${auth || 'not required'} (the rest got the neutral value) · ${necessity} · trails and ledger ${g.ledgerAgreement.disagreements.length ? `DISAGREE on ${g.ledgerAgreement.disagreements.length} figure(s)` : `agree on ${g.ledgerAgreement.checked} figures`}`,
    ),
  ];
  const reg = r.regulator;
  if (reg) {
    const flags = reg.reviews.flatMap((v) => v.flags);
    const who = [...new Set(flags.map((f) => f.participant))];
    out.push(
      labelled(
        'regulator',
        flags.length
          ? `flagged ${who.map((p) => `${p} (${[...new Set(flags.filter((f) => f.participant === p).map((f) => f.rule))].join(', ')})`).join(', ')} · suspended ${reg.suspended.join(', ') || 'nobody'}${reg.refusedJob ? ` · its next job: ${reg.refusedJob.ok ? 'ran' : `refused, ${reg.refusedJob.error?.code}`}` : ''}`
          : `no anomaly in ${reg.reviews.reduce((n, v) => n + v.filings, 0)} filings`,
      ),
    );
  }
  return out;
}
