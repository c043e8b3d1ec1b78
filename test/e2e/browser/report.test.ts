/**
 * report.html in Chromium, opened from file:// with the network blocked: the
 * page must not even try to fetch anything, and every chart must be drawn.
 * Fixtures: real report.json files and the curves computed from their runs.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { GradeDistribution, Report, ReportCurves } from '@fedrisk/runner';
import { renderReportHtml, reportInputOf } from '@fedrisk/runner';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, hasChromium, openBrowser, paintedPixels, SHOTS, SKIP_REASON } from './chromium.ts';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
const defaultReport = fixture('run-default/report.json') as Report;
const defaultExtras = fixture('default-extras.json') as { curves: ReportCurves; grades: GradeDistribution };
const trainedReport = fixture('trained-report.json') as Report;
const trainedExtras = fixture('trained-extras.json') as { curves: ReportCurves; grades: GradeDistribution };

/** The text a selector's element shows (not the hidden other language). */
const shown = async (page: Page, selector: string) => (await page.locator(selector).allInnerTexts()).join('\n');

/** scenarios/designs.yaml's run: every design side by side (paillier on a sample), with the portfolio, reasons and governance stages */
const designsReport = fixture('designs-report.json') as Report;

describe('report.html without a browser', () => {
  it('is one file: Chart.js inlined, no URL to fetch, no source map, optional sections only with data', () => {
    const html = renderReportHtml(reportInputOf(designsReport));
    expect(html).toContain('Chart.js v4');
    expect(html).not.toMatch(/\b(src|href)=/);
    expect(html).not.toContain('sourceMappingURL');
    expect(html).not.toMatch(/\burl\(|@import/);
    expect(html).toContain('<section id="portfolio">');
    expect(html).toContain('bank alone, same NPL');
    expect(html).toContain('<section id="reasons">');
    expect(html).toContain('<section id="governance">');
    const { reasons: _r, portfolio: _p, ...withoutStages } = defaultReport;
    const bare = renderReportHtml({ report: { ...withoutStages, designs: defaultReport.designs.map(({ governance: _g, ...d }) => d) } });
    for (const id of ['curves', 'grades', 'portfolio', 'reasons', 'governance', 'training']) expect(bare).not.toContain(`<section id="${id}">`);
    expect(bare).toContain('<section id="designs">');
  });

  it('escapes text from the run', () => {
    const report = structuredClone(defaultReport);
    report.ok = false;
    report.error = { code: 'RUN_ERR_PROCESS', message: '<img src=x onerror=alert(1)></script>' };
    const reasons = structuredClone(designsReport.reasons);
    if (reasons) reasons.topCodes = [{ code: '</script><b>x</b>', count: 1 }];
    const html = renderReportHtml({ report, ...(reasons ? { reasons } : {}) });
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&#60;img src=x');
    expect(html).not.toContain('</script><b>');
  });
});

describe.skipIf(!hasChromium)(hasChromium ? 'report.html in Chromium' : `report.html in Chromium: ${SKIP_REASON}`, () => {
  let browser: Browser;
  let dir: string;
  const attempted: string[] = [];

  beforeAll(async () => {
    // the reports go to a temporary folder (the repository's linter would read them); screenshots to SHOTS
    dir = mkdtempSync(join(tmpdir(), 'fedrisk-report-'));
    browser = await openBrowser({ width: 1400, height: 1000 });
    // block the network: anything that is not the file itself is aborted and remembered
    await browser.context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file://')) return route.continue();
      attempted.push(url);
      return route.abort();
    });
  });

  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(name: string, html: string, query = ''): Promise<Page> {
    const file = join(dir, name);
    writeFileSync(file, html);
    const { page } = browser;
    await page.goto(`${pathToFileURL(file).href}${query}`);
    await page.waitForSelector('html[data-lang]');
    return page;
  }

  async function expectCharts(page: Page, ids: string[]): Promise<void> {
    expect((await page.locator('canvas').evaluateAll((cs) => cs.map((c) => c.id))).sort()).toEqual([...ids].sort());
    for (const id of ids) expect(await paintedPixels(page, `#${id}`), id).toBeGreaterThan(2000);
  }

  it('draws every chart offline, in Chinese, then in English', async () => {
    const page = await open('report-default.html', renderReportHtml({ report: defaultReport, ...defaultExtras }));
    await expectCharts(page, ['chart-roc', 'chart-ks', 'chart-grades', 'chart-phases', 'chart-links']);
    expect(await shown(page, '#summary')).toContain('评分企业数');
    expect(await shown(page, '#custody')).toContain('私钥份额 (仅自己的)');
    expect(await shown(page, '#custody')).not.toContain('secret-key share');
    expect(await shown(page, '#ledger')).toContain('密封的解密份额');
    expect(await page.locator('#designs tbody tr').count()).toBe(2);
    await page.screenshot({ path: join(SHOTS, 'report-zh.png'), fullPage: true });
    await page.screenshot({ path: join(SHOTS, 'report-zh-top.png') });

    await page.click('#lang');
    await page.waitForSelector('html[data-lang="en"]');
    // innerText: only what is shown (the other language is display: none)
    expect(await shown(page, '#summary h2')).toBe('summary');
    expect(await shown(page, '#custody')).toContain('secret-key share (its own only)');
    expect(await shown(page, '#custody')).not.toContain('私钥份额');
    await expectCharts(page, ['chart-roc', 'chart-ks', 'chart-grades', 'chart-phases', 'chart-links']);
    await page.screenshot({ path: join(SHOTS, 'report-en.png'), fullPage: true });
    expect(browser.errors).toEqual([]);
    expect(attempted).toEqual([]);
  });

  it('after joint training: the centralised curve and the training section; ?lang=en opens in English', async () => {
    const page = await open('report-trained.html', renderReportHtml({ report: trainedReport, ...trainedExtras }), '?lang=en');
    expect(await page.getAttribute('html', 'data-lang')).toBe('en');
    await expectCharts(page, ['chart-roc', 'chart-ks', 'chart-grades', 'chart-phases', 'chart-links', 'chart-loss']);
    const legends = await page.evaluate(() =>
      // Chart.js keeps its charts on the global it was loaded as
      Object.values(
        (globalThis as unknown as { Chart: { instances: Record<string, { canvas: { id: string }; data: { datasets: { label: string }[] } }> } }).Chart
          .instances,
      )
        .filter((c) => c.canvas.id === 'chart-roc')
        .flatMap((c) => c.data.datasets.map((d) => d.label)),
    );
    expect(legends.join('|')).toMatch(/joint model · AUC 0\.9\d\d\|bank alone · AUC 0\.8\d\d\|centralised · AUC 0\.9\d\d\|chance/);
    expect(await page.locator('#training tbody tr').count()).toBe(3);
    await page.screenshot({ path: join(SHOTS, 'report-trained-en.png'), fullPage: true });
    expect(browser.errors).toEqual([]);
    expect(attempted).toEqual([]);
  });

  it('every design side by side, costs per phase and link, the portfolio, the reasons and governance', async () => {
    const page = await open('report-designs.html', renderReportHtml({ ...reportInputOf(designsReport), lang: 'en' }));
    await expectCharts(page, ['chart-roc', 'chart-ks', 'chart-grades', 'chart-phases', 'chart-links']);
    const rows = await page.locator('#designs tbody tr').allInnerTexts();
    expect(rows.map((r) => r.split('\t')[0])).toEqual(['threshold', 'single-holder', 'plaintext', 'paillier']);
    // paillier ran on a sample: its scaled figures are in their own column; plaintext: the coordinator read every partial score
    expect(rows[3]).toMatch(/32 \/ 12000 → [\d.]+ s · [\d.]+ MB/);
    expect(rows[2]).toContain('coordinator 36,000');
    expect(rows[0]).toContain('coordinator 0');
    expect(await page.locator('#designs tbody tr:nth-child(3) span.bad').count()).toBe(1);
    // the charts' figures as tables: every phase of every design, every link
    expect(await shown(page, '#costs')).toContain('bank→coordinator');
    // join, align, keys, encrypt, aggregate, decrypt, reasons
    expect(await page.locator('#costs table').first().locator('tbody tr').count()).toBe(7);
    expect(await shown(page, '#custody')).toContain('Paillier secret key (the whole key)');
    expect(await shown(page, '#ledger')).toContain('plaintext values');
    expect(await page.locator('#portfolio table').count()).toBe(2);
    expect(await shown(page, '#portfolio')).toMatch(/NPL rate\s+[\d.]+ %\s+[\d.]+ %\s+[\d.]+ %/);
    // the reasons: the most frequent code with its text, what the bank received from each holder, one notice
    const top = designsReport.reasons?.topCodes[0]?.code as string;
    expect(await shown(page, '#reasons')).toContain(top);
    expect(await page.locator('#reasons table').count()).toBeGreaterThanOrEqual(3);
    expect(await shown(page, '#reasons')).toMatch(/codes and bands only/);
    // governance: every design's trails countersigned, authorisations per holder, minimum necessary per party
    expect(await shown(page, '#governance')).toContain('heads countersigned by all');
    expect(await page.locator('#governance h3').count()).toBeGreaterThanOrEqual(designsReport.designs.length);
    await page.screenshot({ path: join(SHOTS, 'report-designs-en.png'), fullPage: true });
    expect(browser.errors).toEqual([]);
    expect(attempted).toEqual([]);
  });

  it('the network guard itself works: a page that does fetch is caught', async () => {
    const { page } = browser;
    await page.goto('about:blank');
    await page.evaluate(() => fetch('http://example.invalid/probe').catch(() => undefined));
    expect(attempted).toEqual(['http://example.invalid/probe']);
  });
});
