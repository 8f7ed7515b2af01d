import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { newScreenToken } from '../../core/screen/access.js';
import { useApi } from '../support/platform.js';
import { gateOf, paidTickets, scanIn, seedScreenArea } from '../screen/support.js';
import { ROOT, contrasts, launchChromium } from './browser.js';

/**
 * The crowd screen in Chromium: opened with its token in the URL fragment, it shows the
 * in-park count, and a real gate check-in (the turnstile's POST /gate/v1/precheck) moves
 * that number on the page within 1 s. Screenshots (zh, en) go to docs/images/ with
 * UPDATE_SCREENSHOTS=1.
 */
const { token, sha256 } = newScreenToken();
process.env.SCENIC_SCREEN_TOKEN_SHA256 = sha256; // read when useApi builds the app

async function screenshot(page: Page, name: string): Promise<void> {
  const dir =
    process.env.UPDATE_SCREENSHOTS === '1' ? join(ROOT, 'docs/images') : join(tmpdir(), 'scenic-screenshots');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.png`), await page.screenshot({ animations: 'disabled' }));
}

describe('crowd screen page', () => {
  const api = useApi({ app: { rateLimits: false } });
  let browser: Browser;
  let page: Page;
  let tickets: string[];
  let east: string;
  let north: string;
  const inPark = () => page.getByTestId('in-park').textContent();
  /** Resolves when the page shows `n` in park (checked every 20 ms; a function: the page's CSP forbids eval). */
  const shows = (n: number, timeout = 5_000) =>
    page.waitForFunction(
      (want: string) =>
        (
          globalThis as unknown as { document: { querySelector(s: string): { textContent: string } | null } }
        ).document.querySelector('[data-testid="in-park"]')?.textContent === want,
      String(n),
      { polling: 20, timeout },
    );

  beforeAll(async () => {
    const today = await seedScreenArea(api, 'scr-web', 10);
    await api.platform.keys();
    tickets = [
      ...(await paidTickets(api, 'scr-web', today, 5)),
      ...(await paidTickets(api, 'scr-web', today, 2, 'late')),
    ];
    east = await gateOf(api, 'scr-web', 'scr-east-1', 'east-gate');
    north = await gateOf(api, 'scr-web', 'scr-north-1', 'north-gate');
    browser = await launchChromium();
    const ctx = await browser.newContext({
      viewport: { width: 1280, height: 720 },
      deviceScaleFactor: 1,
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
    });
    page = await ctx.newPage();
  }, 120_000);
  afterAll(async () => {
    await browser?.close(); // before the API closes: its event streams end with the page
  });

  it('opens with the token from the fragment, live, and removes the token from the address bar', async () => {
    await page.goto(`${api.url}/screen?area=scr-web#token=${token}`);
    await page.getByTestId('conn').filter({ hasText: '实时' }).waitFor({ timeout: 10_000 });
    expect(await inPark()).toBe('0');
    expect(page.url()).not.toContain(token);
  });

  it('shows each gate check-in within 1 s', async () => {
    const took: number[] = [];
    const scans: number[] = [];
    for (const [i, gate] of [east, east, north].entries()) {
      const t0 = performance.now();
      await scanIn(api, gate, tickets[i]!);
      const t1 = performance.now(); // the gate has its answer: the entry is committed
      scans.push(Math.round(t1 - t0));
      await shows(i + 1);
      took.push(Math.round(performance.now() - t1));
    }
    console.warn(
      `screen: gate scan answered → in-park number on the page: ${took.join(', ')} ms (max ${Math.max(...took)} ms); ` +
        `the scans themselves took ${scans.join(', ')} ms`,
    );
    expect(Math.max(...took)).toBeLessThan(1_000);
  });

  it('is high-contrast, and reads in zh then en (screenshots)', async () => {
    await scanIn(api, north, tickets[3]!);
    await shows(4);
    const low = (await contrasts(page, 'h1, h2, h3, p, b, li span')).filter((c) => c.ratio < 7);
    expect(low).toEqual([]);
    await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('zh-CN');
    await screenshot(page, 'screen-zh');
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByText('In the park now').waitFor();
    await screenshot(page, 'screen-en');
    expect(await page.getByText('Entries per entrance per minute').count()).toBe(1);
  });

  it('reconnects after the stream drops', async () => {
    // close every event stream the server holds: the page must come back by itself
    api.server.closeAllConnections();
    await page.getByTestId('conn').filter({ hasText: 'Reconnecting' }).waitFor({ timeout: 5_000 });
    await scanIn(api, east, tickets[4]!);
    await shows(5, 10_000);
  });
});
