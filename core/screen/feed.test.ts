import { describe, expect, it } from 'vitest';
import { ScreenFeed } from './feed.js';
import type { ScreenSnapshot } from './model.js';

const snap = (inPark: number, at = new Date().toISOString()) =>
  ({ areaId: 'a', inPark, at }) as ScreenSnapshot;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ScreenFeed', () => {
  it('sends each screen a first snapshot, then only changes, stops with the last screen', async () => {
    let reads = 0;
    let inPark = 0;
    const feed = new ScreenFeed(() => (reads++, Promise.resolve(snap(inPark))), 10);
    const a: number[] = [];
    const b: number[] = [];
    const stopA = feed.watch('a', { send: (s) => a.push(s.inPark), fail: () => undefined });
    const stopB = feed.watch('a', { send: (s) => b.push(s.inPark), fail: () => undefined });
    await sleep(60);
    expect(feed.stats()).toEqual({ areas: 1, listeners: 2 });
    inPark = 1;
    await sleep(60);
    // first snapshot at once (each), the unchanged ticks are quiet, the change goes to both
    expect(a).toEqual([0, 0, 1]);
    expect(b).toEqual([0, 0, 1]);
    expect(reads).toBeGreaterThan(2); // the two first snapshots, then the ticks
    stopA();
    stopB();
    expect(feed.stats()).toEqual({ areas: 0, listeners: 0 });
    const after = reads;
    await sleep(40);
    expect(reads).toBe(after);
  });

  it('tells the screens when a read fails', async () => {
    const feed = new ScreenFeed(() => Promise.reject(new Error('db down')), 10);
    const failed: unknown[] = [];
    const stop = feed.watch('a', { send: () => undefined, fail: (e) => failed.push(e) });
    await sleep(30);
    stop();
    expect(failed.length).toBeGreaterThanOrEqual(2);
  });
});
