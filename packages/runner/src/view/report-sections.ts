/**
 * report.html's sections for the later stages: the reasons for every
 * rejection, governance (trails, authorisations, minimum necessary, the
 * regulator), and training under each design. Each is shown only when the
 * run has it.
 */
import { reasonText } from '@fedrisk/shared';
import type { ReasonsReport } from '../decisions/quality.ts';
import type { Report, TrainingReport } from '../report/types.ts';
import { bi, biText, esc, fmtBytes, section, table } from './html.ts';

const n = (x: number) => esc(x.toLocaleString('en-US'));
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const codeText = (code: string) => {
  const t = reasonText(code, '…');
  return biText(t.zh, t.en);
};

/** Reasons: how many got them, from whom, the most frequent codes, what the bank received, how well they rank, one notice. */
export function reasonsTables(r: ReasonsReport): string {
  const counts = table(
    [bi('report.metric'), bi('report.value')],
    [
      [bi('report.reasons.rejected'), n(r.rejected)],
      [`${bi('report.reasons.withMin')} (${esc(r.min)})`, n(r.withMin)],
      [bi('report.reasons.filled'), n(r.filled)],
      [bi('report.reasons.short'), n(r.short)],
      [bi('report.reasons.band'), `${esc(r.bandPoints)}`],
      ...Object.entries(r.byParty).map(([party, k]) => [`${bi('report.reasons.byParty')} <code>${esc(party)}</code>`, n(k)]),
    ],
    'num',
  );
  const top = table(
    [bi('report.reasons.code'), bi('report.reasons.meaning'), bi('report.reasons.given')],
    r.topCodes.map((c) => [`<code>${esc(c.code)}</code>`, codeText(c.code), n(c.count)]),
    'num',
  );
  const received = table(
    [bi('report.participant'), bi('report.reasons.applicants'), bi('report.reasons.codes'), bi('report.reasons.bands')],
    Object.entries(r.received).map(([holder, x]) => [`<code>${esc(holder)}</code>`, n(x.applicants), n(x.codes), n(x.bands)]),
    'num',
  );
  const q = r.quality;
  const quality = `<p class="meta">${bi('report.reasons.quality')}: ${esc(`${pct(q.sameSetRate)} (${q.sameSet} / ${q.compared})`)} · ${bi('report.reasons.order')}: ${esc(`${pct(q.sameOrderRate)}`)} · ${bi('report.reasons.target')} ${esc(pct(q.target))}</p>`;
  const e = r.example;
  const notice = e
    ? `<h3>${bi('report.reasons.notice')} <code>${esc(e.business)}</code> · ${esc(e.decision)} · ${esc(e.score.toFixed(2))}</h3>${table(
        [bi('report.participant'), bi('report.reasons.code'), bi('report.reasons.meaning'), bi('report.reasons.points'), bi('report.reasons.ownValue')],
        e.lines.map((l) => [`<code>${esc(l.party)}</code>`, `<code>${esc(l.code)}</code>`, biText(l.zh, l.en), esc(l.band), esc(l.value ?? '–')]),
      )}`
    : '';
  return `${counts}<h3>${bi('report.reasons.top')}</h3>${top}<h3>${bi('report.reasons.received')}</h3>${received}${quality}${notice}`;
}

/** Governance: each design's trails, the holders' authorisation checks, minimum necessary per party, and the regulator. */
export function governanceSection(r: Report): string {
  const designs = r.designs.filter((d) => d.governance);
  if (!designs.length && !r.regulator) return '';
  const parts: string[] = [];
  if (r.authorisations) {
    const a = r.authorisations;
    parts.push(
      `<p class="meta">${bi('report.gov.issued')}: ${esc(`${a.issued} / ${a.applicants}`)} · ${bi('report.gov.purpose')}: ${esc(a.purposeStated)}${a.extraQueries ? ` · ${bi('report.gov.extra')}: ${esc(a.extraQueries)}` : ''}</p>`,
    );
  }
  for (const d of designs) {
    const g = d.governance as NonNullable<typeof d.governance>;
    const audit = `<p class="meta">${bi('report.gov.trails')}: ${esc(Object.keys(g.audit.entries).length)} · ${bi('report.gov.entries')}: ${n(Object.values(g.audit.entries).reduce((x, y) => x + y, 0))} · ${g.audit.countersigned ? bi('report.gov.countersigned') : `<b class="bad">${bi('report.gov.notCountersigned')}</b>`} · ${bi('report.gov.findings')}: ${esc(g.audit.findings.length)}</p>`;
    const findings = g.audit.findings.length
      ? table(
          [bi('report.gov.file'), bi('report.gov.line'), bi('report.participant'), bi('report.gov.problem')],
          g.audit.findings.map((f) => [esc(f.file), esc(f.line), esc(f.participant), esc(f.problem)]),
        )
      : '';
    const auth = table(
      [bi('report.participant'), bi('report.gov.matched'), bi('report.gov.authorised'), bi('report.gov.unauthorised')],
      Object.entries(g.authorisations).map(([h, x]) => [`<code>${esc(h)}</code>`, n(x.matched), n(x.authorised), n(x.unauthorised)]),
      'num',
    );
    const necessary = table(
      [
        bi('report.participant'),
        bi('report.gov.columnsUsed'),
        bi('report.gov.beyondNeed'),
        bi('report.gov.touched'),
        bi('report.gov.needed'),
        bi('report.gov.valuesBeyond'),
      ],
      Object.entries(g.minimumNecessary).map(([p, x]) => [
        `<code>${esc(p)}</code>`,
        esc(`${x.columns.used.length} / ${x.columns.available.length}`),
        x.columns.usedBeyondNeed.length ? `<b class="bad">${esc(x.columns.usedBeyondNeed.join(', '))}</b>` : '–',
        n(x.records.touched),
        n(x.records.needed),
        x.records.valuesBeyondNeed ? `<b class="bad">${n(x.records.valuesBeyondNeed)}</b>` : '0',
      ]),
      'num',
    );
    parts.push(`<h3><code>${esc(d.keys)}</code></h3>${audit}${findings}${auth}<h3>${bi('report.gov.necessary')}</h3>${necessary}`);
  }
  const reg = r.regulator;
  if (reg) {
    const flags = reg.reviews.flatMap((v) => v.flags);
    parts.push(
      `<h3>${bi('report.gov.regulator')}</h3>${
        flags.length
          ? table(
              [bi('report.gov.job'), bi('report.participant'), bi('report.gov.rule'), bi('report.gov.problem')],
              flags.map((f) => [esc(f.job), `<code>${esc(f.participant)}</code>`, esc(f.rule), esc(f.detail)]),
            )
          : `<p class="meta">${bi('report.gov.noFlags')}</p>`
      }<p class="meta">${bi('report.gov.suspended')}: ${esc(reg.suspended.join(', ') || '–')}${reg.refusedJob ? ` · ${bi('report.gov.refusedJob')} <code>${esc(reg.refusedJob.job)}</code>: <code>${esc(reg.refusedJob.error?.code ?? (reg.refusedJob.ok ? 'ok' : '–'))}</code>` : ''}</p>`,
    );
  }
  return section('governance', 'report.governance', parts.join(''));
}

/** Training under every design side by side: time and bytes per epoch, key setup, fidelity, what the bank decrypted. */
export function trainingDesignsTable(t: TrainingReport, labelHolder: string | undefined): string {
  const rows = (t.designs ?? []).map((d) => [
    `<code>${esc(d.keys)}</code>`,
    d.ok ? '<b class="ok">✓</b>' : `<b class="bad">${esc(d.error?.code ?? '✗')}</b>`,
    esc(d.secondsPerEpoch.toFixed(2)),
    fmtBytes(d.bytesPerEpoch),
    fmtBytes(d.keySetupBytes),
    d.testAuc === undefined ? '–' : esc(d.testAuc.toFixed(4)),
    d.centralisedTestAuc === undefined ? '–' : esc(d.centralisedTestAuc.toFixed(4)),
    esc(
      Object.entries((labelHolder ? d.ledger[labelHolder]?.decryptedAs : undefined) ?? {})
        .map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`)
        .join(' · ') || '–',
    ),
  ]);
  const dp = t.dp
    ? `<p class="meta">${bi('report.training.dp')}: ε ${esc(t.dp.epsilonSpent.toFixed(2))} / ${esc(t.dp.epsilon)} · δ ${esc(t.dp.delta)} · σ ${esc(t.dp.sigma.toFixed(3))} · ${bi('report.testAuc')} ${esc(t.federated.testAuc.toFixed(4))} (${bi('report.training.noiseless')} ${esc(t.dp.noiselessTestAuc.toFixed(4))})</p>`
    : '';
  if (!rows.length) return dp;
  return `<h3>${bi('report.training.designs')}</h3>${table(
    [
      bi('report.design'),
      bi('report.ok'),
      bi('report.training.secondsPerEpoch'),
      bi('report.training.bytesPerEpoch'),
      bi('report.training.keySetup'),
      bi('report.testAuc'),
      bi('report.model.centralised'),
      bi('report.training.bankDecrypted'),
    ],
    rows,
    'num',
  )}${dp}`;
}
