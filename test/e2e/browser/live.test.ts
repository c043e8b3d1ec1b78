/**
 * The live page in Chromium, driven like the coordinator will drive it: a
 * real run's events (fixtures/run-default, the threshold job), each held at
 * the stepper before it is published. In step mode a message must appear only
 * after "next" is pressed.
 */

import { createViewServer, type ReplayStep, replaySteps, type ViewServer } from '@fedrisk/runner';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, hasChromium, openBrowser, SHOTS, SKIP_REASON } from './chromium.ts';

const RUN = new URL('./fixtures/run-default/', import.meta.url).pathname;

/** Publishes the steps as a coordinator would: wait at the stepper, then publish. Phase starts come from the server. */
async function drive(server: ViewServer, steps: ReplayStep[], progress: { index: number }): Promise<void> {
  for (const [i, step] of steps.entries()) {
    progress.index = i;
    if (step.point) await server.stepper.before(step.point);
    if (server.stepper.closed) return;
    if (!(step.point && step.event.event === 'phase-start')) server.publish(step.event);
  }
  progress.index = steps.length;
}

const rows = (page: Page) => page.locator('#diagram .msg-row').count();
/** Waits until the page shows that `passed` points have gone ahead and the next one waits for "next". */
async function waitingAt(page: Page, passed: number): Promise<void> {
  await page.waitForSelector(`#status[data-passed="${passed}"]:not([data-waiting=""])`);
  await page.waitForSelector('#next:enabled');
}

describe.skipIf(!hasChromium)(hasChromium ? 'live view in Chromium' : `live view in Chromium: ${SKIP_REASON}`, () => {
  let browser: Browser;
  let server: ViewServer;
  let url: string;
  let steps: ReplayStep[];
  const progress = { index: 0 };
  let driving: Promise<void>;

  beforeAll(async () => {
    steps = await replaySteps(RUN, { jobs: ['threshold'] });
    server = createViewServer({ stepper: { mode: 'step' } });
    ({ url } = await server.start());
    browser = await openBrowser();
    driving = drive(server, steps, progress);
  });

  afterAll(async () => {
    await server?.close();
    await driving;
    await browser?.close();
  });

  it('step mode: each message appears only after "next", through the join, align and keys phases', async () => {
    const { page } = browser;
    await page.goto(url);
    await waitingAt(page, 0);
    // the run, job and holdings were published before the first point; no message yet
    await expect.poll(() => page.locator('.lane-head').count()).toBe(4);
    expect(await page.locator('.lane-head b').allTextContents()).toEqual(['bank', 'coordinator', 'tax', 'guarantor']);
    expect(await rows(page)).toBe(0);
    expect(await page.locator('#status').textContent()).toContain('下一阶段: 入会');
    expect(await page.locator('[data-participant="bank"] .holds').textContent()).toContain('私钥份额 (仅自己的)');

    let passed = 0;
    let shown = 0;
    const phasesStarted: string[] = [];
    // press "next" until the keys phase is over: join, align and keys, point by point
    for (let i = progress.index; !phasesStarted.includes('encrypt'); i = progress.index) {
      const step = steps[i] as ReplayStep;
      const point = step.point;
      expect(point).toBeDefined();
      if (point?.kind === 'message') {
        // the message is held: not on the page, but drawn as the pending arrow
        await page.waitForTimeout(150);
        expect(await rows(page)).toBe(shown);
        expect(await page.locator('#diagram .row.pending').count()).toBe(1);
        expect(await page.locator('#status').getAttribute('data-waiting')).toBe(`message:${point.name}:${point.from}:${point.to}`);
      }
      await page.click('#next');
      passed++;
      if (point?.kind === 'message') {
        shown++;
        await expect.poll(() => rows(page)).toBe(shown);
        expect(await page.locator('#diagram .msg-row').last().getAttribute('data-type')).toBe(point.name);
      } else if (point) {
        phasesStarted.push(point.name);
        await page.waitForSelector(`.phase-chip.current[data-phase="${point.name}"]`);
      }
      if (point?.kind === 'phase' && point.name === 'encrypt') break;
      await waitingAt(page, passed);
    }
    expect(phasesStarted).toEqual(['join', 'align', 'keys', 'encrypt']);
    const encryptAt = steps.findIndex((st) => st.point?.kind === 'phase' && st.point.name === 'encrypt');
    expect(shown).toBe(steps.slice(0, encryptAt).filter((st) => st.point?.kind === 'message').length);
    expect(shown).toBeGreaterThan(30);
    const chips = await page.locator('.phase-chip').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-phase')}:${e.className.split(' ')[1]}`));
    expect(chips).toEqual(['join:done', 'align:done', 'keys:done', 'encrypt:current', 'aggregate:pending', 'decrypt:pending']);
    // the cards count what each participant received
    expect(await page.locator('[data-participant="tax"] table.recv').textContent()).toContain('psi.blinded');
    await page.screenshot({ path: `${SHOTS}live-step-zh.png` });
    expect(browser.errors).toEqual([]);
  });

  it('keeps its state across a reload, and switches its labels from Chinese to English', async () => {
    const { page } = browser;
    const before = await rows(page);
    await page.reload();
    await expect.poll(() => rows(page)).toBe(before);
    expect(await page.locator('.phase-chip.current').getAttribute('data-phase')).toBe('encrypt');
    expect(await page.locator('#next').textContent()).toContain('下一步');
    expect(await page.locator('.lane-head small').first().textContent()).toBe('银行');
    expect(await page.locator('.phase-chip').first().textContent()).toContain('入会');

    await page.click('#lang');
    await expect.poll(() => page.locator('#next').textContent()).toContain('next');
    expect(await page.locator('.lane-head small').first().textContent()).toBe('bank');
    expect(await page.locator('.phase-chip').nth(1).textContent()).toContain('align (PSI)');
    expect(await page.locator('h1').textContent()).toContain('live view');
    expect(await page.locator('[data-participant="bank"] .holds').textContent()).toContain('secret-key share (its own only)');
    expect(new URL(page.url()).searchParams.get('lang')).toBe('en');
    expect(await rows(page)).toBe(before);

    // English stays after a reload (the URL carries it); ?lang=en opens in English
    await page.reload();
    await expect.poll(() => page.locator('#next').textContent()).toContain('next');
    await page.screenshot({ path: `${SHOTS}live-step-en.png` });
  });

  it('runs to the end in run mode, with the ledger on each card', async () => {
    const { page } = browser;
    await page.click('#mode-run');
    await driving;
    await expect.poll(() => rows(page), { timeout: 20_000 }).toBe(57);
    await page.waitForSelector('#status.good');
    expect(await page.locator('.phase-chip.done').count()).toBe(6);
    expect(await page.locator('[data-participant="coordinator"] ul.kinds').textContent()).toContain('ciphertexts 9');
    await page.click('#lang');
    await page.waitForSelector('html[data-lang="zh"]');
    await page.screenshot({ path: `${SHOTS}live-done-zh.png` });
    expect(browser.errors).toEqual([]);
  });
});
