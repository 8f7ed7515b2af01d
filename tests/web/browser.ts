import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { encode } from 'uqr';

/**
 * Browser tests drive Debian's Chromium through playwright-core (no browser download).
 * Missing Chromium or a missing web build fails the test with what to run; nothing skips.
 */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CHROMIUM = process.env.SCENIC_CHROMIUM ?? '/usr/bin/chromium';
export const DIST = join(ROOT, 'web/dist');

export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: run \`bash scripts/browser.sh\` (apt-get install chromium) or set SCENIC_CHROMIUM`,
    );
  if (!existsSync(join(DIST, 'index.html')))
    throw new Error(
      'web/dist is missing: run `npm run build:web` before the browser tests (scripts/test.sh does)',
    );
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}

/** A phone: 390 × 844 CSS px (a common mid-size handset), touch, 1× pixels to keep screenshots small. */
export async function phone(browser: Browser, locale = 'en-US'): Promise<BrowserContext> {
  return browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 1,
    isMobile: true,
    hasTouch: true,
    locale,
    timezoneId: 'Asia/Shanghai',
  });
}

/** Screenshots go to docs/screenshots/ with UPDATE_SCREENSHOTS=1, else to a temp dir. */
export async function shot(page: Page, name: string): Promise<void> {
  const dir =
    process.env.UPDATE_SCREENSHOTS === '1'
      ? join(ROOT, 'docs/screenshots')
      : join(tmpdir(), 'scenic-screenshots');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.png`), await page.screenshot({ fullPage: false, animations: 'disabled' }));
}

/**
 * Code run in the page is written as JavaScript source: the root tsconfig (which
 * type-checks tests/) has Node's globals and no DOM library.
 */
export async function inPage<T>(page: Page, expression: string): Promise<T> {
  return await page.evaluate(expression);
}

/** A computed style of the first element matching `selector`. */
export const cssOf = (page: Page, selector: string, prop: string): Promise<string> =>
  inPage<string>(
    page,
    `getComputedStyle(document.querySelector(${JSON.stringify(selector)})).getPropertyValue(${JSON.stringify(prop)})`,
  );

/** Inputs, selects and text areas with no accessible label (label[for], wrapping label, aria-label(ledby)). */
export async function unlabelled(page: Page): Promise<string[]> {
  return inPage<string[]>(
    page,
    `Array.from(document.querySelectorAll('input, select, textarea'))
      .filter((el) => el.type !== 'hidden')
      .filter((el) => {
        const byLabel = Array.from(el.labels || []).some((l) => (l.textContent || '').trim().length > 0);
        const aria = (el.getAttribute('aria-label') || '').trim() || (el.getAttribute('aria-labelledby') || '').trim();
        return !byLabel && !aria;
      })
      .map((el) => el.outerHTML.slice(0, 120))`,
  );
}

/** WCAG contrast of each matching element's text colour against its nearest opaque background. */
export async function contrasts(page: Page, selector: string): Promise<{ text: string; ratio: number }[]> {
  return inPage(
    page,
    `(() => {
      const rgb = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
      const lum = ([r, g, b]) => {
        const f = (c) => { const v = c / 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
      };
      const bgOf = (el) => {
        for (let e = el; e; e = e.parentElement) {
          const c = rgb(getComputedStyle(e).backgroundColor);
          if (c.length === 3 || (c.length === 4 && c[3] > 0.99)) return c.slice(0, 3);
        }
        return [255, 255, 255];
      };
      return Array.from(document.querySelectorAll(${JSON.stringify(selector)}))
        .filter((e) => (e.textContent || '').trim() && e.offsetParent !== null)
        .map((e) => {
          const fg = lum(rgb(getComputedStyle(e).color));
          const bg = lum(bgOf(e));
          const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
          return { text: e.tagName.toLowerCase() + '.' + e.className + ': ' + (e.textContent || '').trim().slice(0, 30), ratio: Math.round(ratio * 100) / 100 };
        });
    })()`,
  );
}

/**
 * A camera that films a QR code: a Y4M clip for Chromium's fake capture device
 * (`--use-file-for-fake-video-capture`), 640 × 480, the code drawn black on white.
 */
export function qrCameraClip(text: string, file: string): string[] {
  const W = 640;
  const H = 480;
  const { data, size } = encode(text, { ecc: 'M', border: 4 });
  const scale = Math.floor(Math.min(W, H) / size);
  const x0 = Math.floor((W - size * scale) / 2);
  const y0 = Math.floor((H - size * scale) / 2);
  const y = Buffer.alloc(W * H, 235);
  for (let r = 0; r < size; r++)
    for (let c = 0; c < size; c++)
      if (data[r]![c])
        for (let dy = 0; dy < scale; dy++)
          y.fill(
            16,
            (y0 + r * scale + dy) * W + x0 + c * scale,
            (y0 + r * scale + dy) * W + x0 + (c + 1) * scale,
          );
  const chroma = Buffer.alloc((W / 2) * (H / 2) * 2, 128);
  const frame = Buffer.concat([Buffer.from('FRAME\n'), y, chroma]);
  writeFileSync(
    file,
    Buffer.concat([Buffer.from(`YUV4MPEG2 W${W} H${H} F10:1 Ip A1:1 C420jpeg\n`), frame, frame]),
  );
  return [
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-video-capture=${file}`,
  ];
}
