/**
 * The live view of a real run in Chromium: a small scenario run by the default
 * launcher (the coordinator and every party their own OS process), the
 * coordinator held over its stdio control channel. In step mode each "next"
 * lets exactly one thing happen: a phase starts, or one message is handled or
 * sent. A hold longer than the phase timeout does not time the job out.
 */
import { createViewServer, type RunResult, runScenario, type ViewServer } from '@fedrisk/runner';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileTempDir, smallScenario } from '../../helpers/fixtures.ts';
import { type Browser, hasChromium, openBrowser, SHOTS, SKIP_REASON } from './chromium.ts';

/** Shorter than the hold below: without suspended timers the job would end with JOB_ERR_TIMEOUT. */
const PHASE_MS = 2500;
const HOLD_MS = 3500;

const rows = (page: Page) => page.locator('#diagram .msg-row').count();

/** The little of the DOM these checks use (the tests are compiled without the DOM library). */
interface Doc {
  querySelectorAll(selector: string): ArrayLike<{ getAttribute(name: string): string | null }>;
  querySelector(selector: string): { getAttribute(name: string): string | null } | null;
}

/** What the page shows, in one round trip. */
function view(page: Page) {
  return page.evaluate(() => {
    const d = (globalThis as unknown as { document: Doc }).document;
    const msgs = d.querySelectorAll('#diagram .msg-row');
    return {
      rows: msgs.length,
      pending: d.querySelectorAll('#diagram .row.pending').length,
      lastType: msgs[msgs.length - 1]?.getAttribute('data-type'),
      currentPhase: d.querySelector('.phase-chip.current')?.getAttribute('data-phase'),
    };
  });
}

/** Waits until a point is held and "next" can release it; which point, and how many have passed. */
async function heldAt(page: Page): Promise<{ waiting: string; passed: number }> {
  const status = await page.waitForSelector('#status:not([data-waiting=""])');
  await page.waitForSelector('#next:enabled');
  return { waiting: (await status.getAttribute('data-waiting')) ?? '', passed: Number(await status.getAttribute('data-passed')) };
}

describe.skipIf(!hasChromium)(hasChromium ? 'live view of a real run in Chromium' : `live view of a real run: ${SKIP_REASON}`, () => {
  let browser: Browser;
  let server: ViewServer;
  let url: string;
  let run: Promise<RunResult>;
  const lines: string[] = [];

  beforeAll(async () => {
    const scenario = await smallScenario((s) => {
      s.name = 'live';
      if (s.data.kind === 'synthetic') s.data.businesses = 500;
      s.job.applicants = 150;
      s.job.compareWith = [];
      s.timeouts = { ...s.timeouts, phaseMs: PHASE_MS };
    });
    server = createViewServer({ stepper: { mode: 'step' } });
    ({ url } = await server.start());
    browser = await openBrowser();
    // the default launcher: OS processes, the coordinator held through its stdin/stdout
    run = runScenario({ scenario, scenarioFile: 'live.yaml', runsDir: fileTempDir(), view: server, onLine: (l) => lines.push(l) });
  });

  afterAll(async () => {
    await server?.close();
    await run?.catch(() => undefined);
    await browser?.close();
  });

  it('step mode: one message per "next" through the join and align phases into keys, and a long hold does not time out', async () => {
    const { page } = browser;
    await page.goto(url);
    await page.waitForSelector('#status[data-waiting="phase:join"]');
    await expect.poll(() => page.locator('.lane-head').count()).toBe(4);
    expect(await rows(page)).toBe(0);
    // what the design gives each participant, before anything happened
    expect(await page.locator('[data-participant="tax"] .holds').textContent()).toContain('私钥份额 (仅自己的)');

    const started: string[] = [];
    let shown = 0;
    let inKeys = 0;
    // through join and align, into keys: three phases
    while (inKeys < 3) {
      const before = await heldAt(page);
      if (before.waiting.startsWith('message:')) {
        // held: drawn as the pending arrow, not as a message, until "next"
        await page.waitForTimeout(50);
        expect(await view(page)).toMatchObject({ rows: shown, pending: 1 });
      }
      if (before.waiting === 'phase:keys') {
        // a class discusses the alignment for longer than any phase may take
        await page.waitForTimeout(HOLD_MS);
        expect((await view(page)).rows).toBe(shown);
      }
      await page.click('#next');
      const [kind, name] = before.waiting.split(':') as [string, string];
      if (kind === 'message') shown++;
      else started.push(name);
      // the point has passed: exactly one more message (or none, for a phase) is on the page
      await page.waitForFunction(
        ([passed, rows]) => {
          const d = (globalThis as unknown as { document: Doc }).document;
          return (
            Number(d.querySelector('#status')?.getAttribute('data-passed')) > (passed as number) && d.querySelectorAll('#diagram .msg-row').length === rows
          );
        },
        [before.passed, shown],
      );
      const after = await view(page);
      if (kind === 'message') {
        expect(after.lastType).toBe(name);
        if (started.at(-1) === 'keys') inKeys++;
      } else expect(after.currentPhase).toBe(name);
    }
    expect(started).toEqual(['join', 'align', 'keys']);
    expect(shown).toBeGreaterThan(20);
    expect(await page.locator('[data-participant="tax"] table.recv').textContent()).toContain('psi.blinded');
    await page.screenshot({ path: `${SHOTS}live-run-step-zh.png` });
    expect(browser.errors).toEqual([]);
  });

  it('switches to English, then runs to the end with previews and ledgers, and the job succeeds', async () => {
    const { page } = browser;
    await page.click('#lang');
    await expect.poll(() => page.locator('#next').textContent()).toContain('next');
    expect(await page.locator('[data-participant="tax"] .holds').textContent()).toContain('secret-key share (its own only)');
    expect(await page.locator('.phase-chip.current').textContent()).toContain('keys');
    await page.selectOption('#speed', '16');
    await page.click('#mode-run');
    const result = await run;
    expect(result.ok, lines.join('\n')).toBe(true);
    await page.waitForSelector('#status.good');
    // join, align, keys, encrypt, aggregate, decrypt, reasons
    expect(await page.locator('.phase-chip.done').count()).toBe(7);
    // ciphertext previews: hex, and only on messages that carry ciphertexts or keys
    const preview = (await page.locator('[data-participant="bank"] .preview code').textContent()) ?? '';
    expect(preview).toMatch(/^([0-9a-f]{2} )+[0-9a-f]{2} …$/);
    // 3 inputs, and the reasons refinement's 3 operands and 2 masked ciphertexts
    expect(await page.locator('[data-participant="coordinator"] ul.kinds').textContent()).toContain('ciphertexts 8');
    expect(await page.locator('[data-participant="coordinator"] ul.kinds').textContent()).not.toContain('plaintext');
    await page.screenshot({ path: `${SHOTS}live-run-done-en.png`, fullPage: true });
    expect(browser.errors).toEqual([]);
    expect(lines.join('\n')).toMatch(/the live view held the run for \d+\.\d s/);
  });
});
