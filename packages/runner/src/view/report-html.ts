/**
 * report.html: one self-contained file that opens offline. Tables are written
 * here as HTML; the charts are drawn in the page by Chart.js, whose bundle is
 * read from node_modules and inlined, with the page's own script and styles
 * (page/report.js, page/report.css) and the data as JSON. Every label is in
 * Chinese and English; a button switches the language.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GradeDistribution, ReportCurves } from '../curves.ts';
import type { ReasonsReport } from '../decisions/quality.ts';
import { MACRO_ROWS, PORTFOLIO_ROWS } from '../portfolio/summary.ts';
import type { PortfolioReport } from '../portfolio/types.ts';
import type { DesignResult, Report } from '../report/types.ts';
import { bi, esc, fmtBytes, section, table } from './html.ts';
import { LABELS, type Lang } from './i18n.ts';
import { governanceSection, reasonsTables, trainingDesignsTable } from './report-sections.ts';

export interface ReportHtmlInput {
  report: Report;
  curves?: ReportCurves;
  grades?: GradeDistribution;
  /** the portfolio stage (report.portfolio): the books under the policy, and the macro scenarios */
  portfolio?: PortfolioReport;
  /** the reasons stage (report.reasons): reasons for every rejection, what the bank received, their quality */
  reasons?: ReasonsReport;
  /** language the page opens in (default zh; `?lang=en` in the file's URL also works) */
  lang?: Lang;
}

const PAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'page');

/** Chart.js's UMD bundle, without its source-map comment (the file must not point anywhere). */
function chartJsSource(): string {
  const main = createRequire(import.meta.url).resolve('chart.js');
  return readFileSync(join(dirname(main), 'chart.umd.min.js'), 'utf8').replace(/\/\/# sourceMappingURL=\S*/g, '');
}

/** Makes text safe inside a <script> element. */
function scriptSafe(text: string): string {
  return text.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/** A participant's name with its role, in both languages. */
function who(id: string, report: Report): string {
  const role = id === 'coordinator' ? 'coordinator' : report.scenario.parties.find((p) => p.id === id)?.role;
  return role ? `${esc(id)} <small>${bi(`role.${role}`)}</small>` : esc(id);
}

const fmtS = (ms: number) => (ms / 1000).toFixed(1);
const fmt3 = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(3));

function summary(r: Report): string {
  const v = r.verification;
  const cards: [string, string][] = [
    ['report.scenario', esc(r.scenario.name)],
    ['report.keys', esc(r.keys)],
    ['report.alignment', esc(r.alignment.mode)],
    ['report.scored', esc(r.businesses.scored.toLocaleString('en-US'))],
    ['report.ok', r.ok ? `<b class="ok">✓ ${bi('report.ok')}</b>` : `<b class="bad">✗ ${bi('report.failed')}</b>`],
  ];
  if (v) {
    cards.push(['report.model.joint', `AUC ${fmt3(v.auc)} · KS ${fmt3(v.ks)}`]);
    cards.push(['report.model.bankOnly', `AUC ${fmt3(v.bankOnlyAuc)} · KS ${fmt3(v.bankOnlyKs)}`]);
    cards.push(['report.maxError', esc(v.maxAbsLogitError.toExponential(1))]);
  }
  cards.push(['report.jobTime', fmtS(r.timings.jobMs)]);
  cards.push(['report.bytes', fmtBytes(r.bytesOnWire)]);
  const error = r.error ? `<p class="error">${bi('report.error')}: <code>${esc(r.error.code)}</code> ${esc(r.error.message)}</p>` : '';
  return `<div class="cards">${cards.map(([k, v]) => `<div class="card"><div class="k">${bi(k)}</div><div class="v">${v}</div></div>`).join('')}</div>${error}`;
}

/** A design on a sample: how many applicants, and its figures scaled to all of them. */
function sampled(d: DesignResult): string {
  const s = d.sample;
  if (!s) return '–';
  return `${esc(s.values)} / ${esc(s.of)} → ${fmtS(s.extrapolated.jobMs)} s · ${fmtBytes(s.extrapolated.bytesOnWire)}`;
}

function reads(d: DesignResult): string {
  if (!d.reads) return '–';
  return Object.entries(d.reads)
    .map(([id, n]) => `<span class="${n > 0 && id === 'coordinator' ? 'bad' : ''}">${esc(id)} <b>${esc(n.toLocaleString('en-US'))}</b></span>`)
    .join(' · ');
}

function designTable(r: Report): string {
  return table(
    [
      bi('report.design'),
      bi('report.ok'),
      bi('report.jobTime'),
      bi('report.afterJoin'),
      bi('report.bytes'),
      bi('report.maxError'),
      bi('report.sampled'),
      bi('report.reads'),
    ],
    r.designs.map((d) => [
      `<code>${esc(d.keys)}</code>`,
      d.ok ? '<b class="ok">✓</b>' : '<b class="bad">✗</b>',
      fmtS(d.timings.jobMs),
      fmtS(d.timings.afterJoinMs),
      fmtBytes(d.bytesOnWire),
      d.verification ? esc(d.verification.maxAbsLogitError.toExponential(1)) : `<code>${esc(d.error?.code ?? '–')}</code>`,
      sampled(d),
      reads(d),
    ]),
    'num designs',
  );
}

/** The charts' figures as tables: seconds per phase, and messages and bytes per link, for every design. */
function costTables(r: Report): string {
  const phases: string[] = [];
  for (const d of r.designs) for (const p of d.phases) if (!phases.includes(p.name)) phases.push(p.name);
  const links: string[] = [];
  for (const d of r.designs) for (const l of d.links) if (!links.includes(`${l.from}→${l.to}`)) links.push(`${l.from}→${l.to}`);
  const head = r.designs.map((d) => `<code>${esc(d.keys)}</code>`);
  const phaseTable = table(
    [bi('report.phase'), ...head],
    phases.map((name) => [
      bi(`phase.${name}`),
      ...r.designs.map((d) => {
        const p = d.phases.find((x) => x.name === name);
        return p ? (p.ms / 1000).toFixed(2) : '–';
      }),
    ]),
    'num',
  );
  const linkTable = table(
    [bi('report.link'), ...head],
    links.map((name) => [
      esc(name),
      ...r.designs.map((d) => {
        const l = d.links.find((x) => `${x.from}→${x.to}` === name);
        return l ? `${esc(l.messages)} · ${fmtBytes(l.bytes)}` : '–';
      }),
    ]),
    'num',
  );
  return `<h3>${bi('report.phaseTable')}</h3>${phaseTable}<h3>${bi('report.linkTable')}</h3>${linkTable}`;
}

/** The portfolio stage: the baseline's three books side by side, and the joint book under each macro scenario. */
function portfolioTables(p: PortfolioReport): string {
  const base = p.scenarios.find((s) => s.name === 'baseline') ?? p.scenarios[0];
  if (!base) return '';
  const books = [base.books.joint, base.books.bankAloneSameApprovals, base.books.bankAloneSameNpl];
  const main = table(
    [bi('report.metric'), `${bi('report.book.joint')} (${esc(base.name)})`, bi('report.book.sameLoans'), bi('report.book.sameNpl')],
    PORTFOLIO_ROWS.map(([l, f]) => [esc(l), ...books.map((b) => esc(f(b)))]),
    'num',
  );
  const macro =
    p.scenarios.length > 1
      ? `<h3>${bi('report.macro')}</h3>${table(
          [bi('report.metric'), ...p.scenarios.map((s) => esc(s.name))],
          MACRO_ROWS.map(([l, f]) => [esc(l), ...p.scenarios.map((s) => esc(f(s.books.joint)))]),
          'num',
        )}`
      : '';
  const d = p.decisions;
  const policy = `<p class="meta">${esc(`approve ${p.policy.rule} · ${d.approved} approved, ${d.review} to review, ${d.rejected} rejected of ${d.applicants}; ${d.loans} loans · bank alone: fitted out of sample on ${p.bankAlone.fittedOn}`)}</p>`;
  return `${policy}${main}${macro}`;
}

/** Participants in a stable order: coordinator first, then the scenario's parties. */
function participants(r: Report, d: DesignResult): string[] {
  const ids = ['coordinator', ...r.scenario.parties.map((p) => p.id)];
  for (const k of [...Object.keys(d.ledger), ...d.keyCustody.map((c) => c.participant)]) if (!ids.includes(k)) ids.push(k);
  return ids;
}

function custodyTable(r: Report): string {
  const ids = participants(r, r);
  return table(
    [bi('report.participant'), ...r.designs.map((d) => `<code>${esc(d.keys)}</code>`)],
    ids.map((id) => [
      who(id, r),
      ...r.designs.map((d) => {
        const holds = d.keyCustody.find((c) => c.participant === id)?.holds ?? [];
        return holds.length ? `<ul>${holds.map((h) => `<li>${LABELS[`holds.${h}`] ? bi(`holds.${h}`) : esc(h)}</li>`).join('')}</ul>` : bi('report.nothing');
      }),
    ]),
  );
}

function ledgerTables(r: Report): string {
  return r.designs
    .map((d) => {
      const rows = participants(r, d)
        .filter((id) => d.ledger[id])
        .map((id) => {
          const e = d.ledger[id] as DesignResult['ledger'][string];
          const kinds = Object.entries(e.received).filter(([, n]) => n > 0);
          const list = kinds.length
            ? `<ul class="kinds">${kinds.map(([k, n]) => `<li class="kind-${esc(k)}">${bi(`kind.${k}`)} <b>${esc(n.toLocaleString('en-US'))}</b></li>`).join('')}</ul>`
            : bi('report.nothing');
          return [who(id, r), list, `<b>${esc(e.decrypted.toLocaleString('en-US'))}</b>`];
        });
      return `<h3><code>${esc(d.keys)}</code></h3>${table([bi('report.participant'), bi('report.received'), bi('report.decrypted')], rows, 'ledger')}`;
    })
    .join('');
}

function trainingSection(r: Report): string {
  const t = r.training;
  if (!t) return '';
  const q = (key: string, m: typeof t.federated) => [bi(key), fmt3(m.trainAuc), fmt3(m.testAuc), fmt3(m.trainKs), fmt3(m.testKs)];
  const quality = table(
    [bi('report.model'), bi('report.trainAuc'), bi('report.testAuc'), bi('report.trainKs'), bi('report.testKs')],
    [q('report.federated', t.federated), q('report.model.centralised', t.centralised), q('report.model.bankOnly', t.bankOnly)],
    'num',
  );
  return section(
    'training',
    'report.training',
    `${chartBox('chart-loss', 'report.loss')}${quality}${trainingDesignsTable(t, r.scenario.parties.find((p) => p.role === 'bank')?.id)}`,
  );
}

/** The data the page's charts are drawn from. */
function chartData(input: ReportHtmlInput) {
  const r = input.report;
  const phaseNames: string[] = [];
  for (const d of r.designs) for (const p of d.phases) if (!phaseNames.includes(p.name)) phaseNames.push(p.name);
  const linkNames: string[] = [];
  for (const d of r.designs) for (const l of d.links) if (!linkNames.includes(`${l.from}→${l.to}`)) linkNames.push(`${l.from}→${l.to}`);
  return {
    curves: input.curves ?? {},
    grades: input.grades?.buckets ?? [],
    phases: {
      names: phaseNames,
      designs: r.designs.map((d) => ({ keys: d.keys, seconds: phaseNames.map((n) => (d.phases.find((p) => p.name === n)?.ms ?? 0) / 1000) })),
    },
    links: {
      names: linkNames,
      designs: r.designs.map((d) => ({
        keys: d.keys,
        megabytes: linkNames.map((n) => (d.links.find((l) => `${l.from}→${l.to}` === n)?.bytes ?? 0) / 1024 / 1024),
      })),
    },
    loss: r.training?.epochs ?? [],
  };
}

function chartBox(id: string, titleKey: string): string {
  return `<figure class="chart"><figcaption>${bi(titleKey)}</figcaption><div class="box"><canvas id="${id}" role="img"></canvas></div></figure>`;
}

/** The whole report as one HTML document; nothing in it is fetched from anywhere. */
export function renderReportHtml(input: ReportHtmlInput): string {
  const r = input.report;
  const lang: Lang = input.lang ?? 'zh';
  const curves = input.curves ?? {};
  const hasCurves = Boolean(curves.joint || curves.bankOnly || curves.centralised);
  const grades = input.grades?.buckets.length
    ? section(
        'grades',
        'report.grades',
        `${chartBox('chart-grades', 'report.gradeChart')}${table(
          [bi('report.grade'), bi('report.count'), bi('report.minScore'), bi('report.maxScore'), bi('report.defaultRate')],
          input.grades.buckets.map((b) => [
            `<b>${esc(b.grade)}</b>`,
            esc(b.count.toLocaleString('en-US')),
            esc(b.minScore.toFixed(0)),
            esc(b.maxScore.toFixed(0)),
            b.defaultRate === undefined ? '–' : `${(100 * b.defaultRate).toFixed(2)} %`,
          ]),
          'num',
        )}`,
      )
    : '';
  const body = [
    section('summary', 'report.summary', summary(r)),
    hasCurves
      ? section('curves', 'report.discrimination', `<div class="pair">${chartBox('chart-roc', 'report.roc')}${chartBox('chart-ks', 'report.ks')}</div>`)
      : '',
    grades,
    section('designs', 'report.designs', designTable(r)),
    section(
      'costs',
      'report.cost',
      `<div class="pair">${chartBox('chart-phases', 'report.phaseTime')}${chartBox('chart-links', 'report.linkBytes')}</div>${costTables(r)}`,
    ),
    section('custody', 'report.custody', custodyTable(r)),
    section('ledger', 'report.ledger', ledgerTables(r)),
    trainingSection(r),
    input.portfolio ? section('portfolio', 'report.portfolio', portfolioTables(input.portfolio)) : '',
    input.reasons ? section('reasons', 'report.reasons', reasonsTables(input.reasons)) : '',
    governanceSection(r),
  ].join('\n');
  const data = { lang, labels: LABELS, charts: chartData(input) };
  const css = readFileSync(join(PAGE_DIR, 'report.css'), 'utf8');
  const script = readFileSync(join(PAGE_DIR, 'report.js'), 'utf8');
  return `<!doctype html>
<html lang="${lang === 'zh' ? 'zh-CN' : 'en'}" data-lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>fedrisk · ${esc(r.scenario.name)} · ${esc(r.runId)}</title>
<style>${css}</style>
</head>
<body>
<header>
  <h1>${bi('report.title')}</h1>
  <p class="meta"><code>${esc(r.runId)}</code> · ${esc(r.startedAt)} · CKKS N=${esc(r.crypto.polyModulusDegree)}</p>
  <button id="lang" type="button">${bi('ui.lang')}</button>
</header>
<main>
${body}
</main>
<script id="report-data" type="application/json">${scriptSafe(JSON.stringify(data))}</script>
<script>${scriptSafe(chartJsSource())}</script>
<script>${scriptSafe(script)}</script>
</body>
</html>
`;
}
