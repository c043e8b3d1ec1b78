/**
 * Debian's Chromium driven by playwright-core (no browser download). The
 * browser tests skip, saying why, when /usr/bin/chromium is absent; install it
 * with `apt-get update && apt-get install -y chromium fonts-wqy-microhei`
 * (the font draws the Chinese labels; without it they are empty boxes).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
export const SKIP_REASON = `SKIPPED: ${CHROMIUM} is absent; install it with apt-get update && apt-get install -y chromium fonts-wqy-microhei`;

// CI installs Chromium and sets this: there a missing browser fails the run instead of skipping its tests
if (!hasChromium && process.env.FEDRISK_REQUIRE_BROWSER === '1')
  throw new Error(`FEDRISK_REQUIRE_BROWSER=1 but ${CHROMIUM} is absent: apt-get install -y chromium fonts-wqy-microhei`);
if (!hasChromium) process.stderr.write(`browser tests ${SKIP_REASON}\n`);

/** Where screenshots go: test-results/browser/ at the repository root. */
export const SHOTS = new URL('../../../test-results/browser/', import.meta.url).pathname;

const ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** errors the page threw or logged */
  errors: string[];
  close(): Promise<void>;
}

/** Chromium with a fresh profile; close() removes the profile. */
export async function openBrowser(viewport = { width: 1600, height: 1000 }): Promise<Browser> {
  mkdirSync(SHOTS, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'fedrisk-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  return {
    context,
    page,
    errors,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** How many pixels of a canvas are not transparent. */
export function paintedPixels(page: Page, selector: string): Promise<number> {
  type Canvas = {
    width: number;
    height: number;
    getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
  };
  return page.$eval(selector, (canvas) => {
    const c = canvas as unknown as Canvas;
    const data = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray();
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if ((data[i] as number) > 0) n++;
    return n;
  });
}
