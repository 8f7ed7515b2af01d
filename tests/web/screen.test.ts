import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { randomBytes } from 'node:crypto';
import { newScreenToken } from '../../core/screen/access.js';
import { alertmanagerNotification } from '../../fakes/alertmanager.js';
import { useApi } from '../support/platform.js';
import { gateOf, paidTickets, scanIn, seedScreenArea } from '../screen/support.js';
import { declareZones } from '../zones/support.js';
import { ROOT, contrasts, launchChromium } from './browser.js';

/**
 * The crowd screen in Chromium: opened with its token in the URL fragment, it shows the
 * in-park count, and a real gate check-in (the turnstile's POST /gate/v1/precheck) moves
 * that number on the page within 1 s. Screenshots (zh, en) go to docs/images/ with
 * UPDATE_SCREENSHOTS=1.
 */
const { token, sha256 } = newScreenToken();
process.env.SCENIC_SCREEN_TOKEN_SHA256 = sha256; // read when useApi builds the app
// the alert relay Alertmanager posts to: what puts open alerts on the screen
const RELAY = randomBytes(24).toString('hex');
process.env.SCENIC_ALERT_RELAY_TOKEN = RELAY;
process.env.SCENIC_ALERT_ROBOTS = JSON.stringify([
  { name: 'ops-wecom', kind: 'wecom', url: 'http://127.0.0.1:9/never-called' },
]);

/** A wall display and a phone: the screen is read on both. */
const WALL = { width: 1920, height: 1080 };
const PHONE = { width: 390, height: 844 };

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
    await declareZones(api, 'scr-web', {
      zones: [
        { id: 'lake', name: { zh: '西湖景区', en: 'West Lake' }, capacity: 3, entrances: ['east-gate'] },
        { id: 'hill', name: { zh: '孤山', en: 'Solitary Hill' }, capacity: 40, entrances: ['north-gate'] },
      ],
    });
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

  const relay = async (status: 'firing' | 'resolved', alerts: Record<string, unknown>[]) => {
    const r = await api.call('POST', '/alerts/v1/relay/ops-wecom', {
      headers: { authorization: `Bearer ${RELAY}` },
      body: alertmanagerNotification({ status, alerts, commonLabels: { area: 'scr-web' }, groupLabels: {} }),
    });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
  };
  const since = new Date(Date.now() - 5 * 60_000).toISOString();
  const gateDown = (status: 'firing' | 'resolved') => ({
    status,
    labels: { alertname: 'ScenicGateOffline', area: 'scr-web', entrance: 'north-gate', severity: 'critical' },
    annotations: {
      summary: 'Gate north-1 has not reported for 2 minutes',
      summary_zh: '北门闸机 north-1 已 2 分钟未上报',
    },
    startsAt: since,
    endsAt: status === 'resolved' ? new Date().toISOString() : '0001-01-01T00:00:00Z',
    fingerprint: 'web-gate-down',
  });
  const busy = {
    status: 'firing',
    labels: { alertname: 'ScenicZoneCrowded', area: 'scr-web', severity: 'warning' },
    annotations: { summary: 'West Lake is at ORANGE', summary_zh: '西湖景区已达橙色' },
    startsAt: since,
    endsAt: '0001-01-01T00:00:00Z',
    fingerprint: 'web-zone-busy',
  };
  const alertRows = () => page.locator('[data-testid="alerts"] li');

  it('21 shows zone heat and open alerts live, most severe first, and clears a resolved one', async () => {
    // two scans at the east gate (the lake zone) and one at the north gate (the hill zone) so far
    const lake = page.locator('[data-zone="lake"]');
    await expect.poll(() => lake.textContent()).toContain('2 / 3');
    expect(await lake.textContent()).toContain('西湖景区');
    expect(await lake.textContent()).toContain('67%');
    expect(await lake.getAttribute('data-level')).not.toBe('green');
    expect(await page.locator('[data-zone="hill"]').textContent()).toContain('1 / 40');
    expect(await page.locator('[data-zone="hill"]').getAttribute('data-level')).toBe('green');
    expect(await page.getByTestId('alerts').textContent()).toContain('无未处理告警');

    await relay('firing', [busy, gateDown('firing')]);
    await expect.poll(() => alertRows().count(), { timeout: 3_000 }).toBe(2);
    expect(await alertRows().first().getAttribute('data-severity')).toBe('critical');
    expect(await alertRows().first().textContent()).toContain('严重');
    expect(await alertRows().first().textContent()).toContain('北门闸机 north-1 已 2 分钟未上报');
    expect(await alertRows().nth(1).textContent()).toContain('西湖景区已达橙色');

    await relay('resolved', [gateDown('resolved')]);
    await expect.poll(() => alertRows().count(), { timeout: 3_000 }).toBe(1);
    expect(await alertRows().first().getAttribute('data-severity')).toBe('warning');
  });

  it('is high-contrast, and reads in zh then en (screenshots)', async () => {
    await scanIn(api, north, tickets[3]!);
    await shows(4);
    const low = (await contrasts(page, 'h1, h2, h3, p, b, li span')).filter((c) => c.ratio < 7);
    expect(low).toEqual([]);
    await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('zh-CN');
    await screenshot(page, 'screen-zh');
    await page.setViewportSize(WALL);
    await screenshot(page, 'screen-wall-zh');
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByText('In the park now').waitFor();
    expect(await page.getByText('Entries per entrance per minute').count()).toBe(1);
    expect(await page.locator('[data-zone="lake"]').textContent()).toContain('West Lake');
    expect(await alertRows().first().textContent()).toContain('West Lake is at ORANGE');
    expect(await alertRows().first().textContent()).toContain('Warning');
    await screenshot(page, 'screen-wall-en');
    // every panel fits the wall without scrolling
    expect(await page.evaluate('document.documentElement.scrollHeight')).toBeLessThanOrEqual(WALL.height);
    await page.setViewportSize({ width: 1280, height: 720 });
    await screenshot(page, 'screen-en');
    // a phone: one column, nothing wider than the screen
    await page.setViewportSize(PHONE);
    await page.getByTestId('zones').scrollIntoViewIfNeeded();
    await screenshot(page, 'screen-phone-en');
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
    await page.setViewportSize({ width: 1280, height: 720 });
  });

  it('reconnects after the stream drops', async () => {
    // close every event stream the server holds: the page must come back by itself
    api.server.closeAllConnections();
    await page.getByTestId('conn').filter({ hasText: 'Reconnecting' }).waitFor({ timeout: 5_000 });
    await scanIn(api, east, tickets[4]!);
    await shows(5, 10_000);
  });
});
