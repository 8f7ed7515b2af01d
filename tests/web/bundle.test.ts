import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DIST } from './browser.js';

/** The JavaScript a page loads before it can render: its entry script and modulepreloads. */
function firstLoad(page: string): { files: string[]; gzipBytes: number } {
  if (!existsSync(join(DIST, page))) throw new Error('web/dist is missing: run `npm run build:web`');
  const html = readFileSync(join(DIST, page), 'utf8');
  const files = [
    ...html.matchAll(/<(?:script[^>]*src|link[^>]*rel="modulepreload"[^>]*href)="\/(assets\/[^"]+\.js)"/g),
  ].map((m) => m[1]!);
  const gzipBytes = files.reduce((s, f) => s + gzipSync(readFileSync(join(DIST, f)), { level: 9 }).length, 0);
  return { files, gzipBytes };
}

describe('web bundle', () => {
  it.each(['index.html', 'staff.html', 'screen.html', 'console.html'])(
    '%s loads under 200 KB of JavaScript gzipped',
    (page) => {
      const { files, gzipBytes } = firstLoad(page);
      expect(files.length).toBeGreaterThan(0);
      console.warn(`${page}: ${files.join(', ')} = ${(gzipBytes / 1024).toFixed(1)} KB gzipped`);
      expect(gzipBytes).toBeLessThan(200 * 1024);
    },
  );

  it('keeps the camera QR decoder out of the first load', () => {
    const { files } = firstLoad('staff.html');
    expect(files.some((f) => /jsQR/i.test(f))).toBe(false);
  });
});
