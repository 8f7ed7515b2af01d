import { describe, expect, it } from 'vitest';
import { WorkQueue } from './workqueue.js';

describe('WorkQueue', () => {
  it('holds a waiting key once however often it is added', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('a');
    q.add('b');
    expect(q.length).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
    expect(q.length).toBe(0);
  });

  it('never hands out a key being processed; an add meanwhile queues it once after done', async () => {
    const q = new WorkQueue();
    q.add('a');
    const key = await q.get();
    q.add('a');
    q.add('a');
    expect(q.length).toBe(0);
    q.done(key!);
    expect(q.length).toBe(1);
    expect(await q.get()).toBe('a');
  });

  it.each([
    [0, 250],
    [1, 500],
    [2, 1000],
    [20, 60_000],
  ])('backs off per key exponentially (after %i failures: %i ms)', (failures, delay) => {
    const q = new WorkQueue();
    for (let i = 0; i < failures; i++) q.addRateLimited('a');
    expect(q.addRateLimited('a')).toBe(delay);
    expect(q.addRateLimited('b')).toBe(250);
    q.forget('a');
    expect(q.failureCount('a')).toBe(0);
    q.shutdown();
  });

  it('addAfter keeps the earliest schedule and delivers the key then', async () => {
    const q = new WorkQueue();
    const t0 = Date.now();
    q.addAfter('a', 5_000);
    q.addAfter('a', 30);
    q.addAfter('a', 10_000);
    expect(await q.get()).toBe('a');
    const waited = Date.now() - t0;
    expect(waited).toBeGreaterThanOrEqual(25);
    expect(waited).toBeLessThan(1_000);
    q.shutdown();
  });

  it('the global bucket limits the rate keys leave the queue', async () => {
    const q = new WorkQueue({ qps: 50, burst: 2 });
    for (const k of ['a', 'b', 'c', 'd', 'e', 'f']) q.add(k);
    const t0 = Date.now();
    for (let i = 0; i < 6; i++) q.done((await q.get())!);
    // 2 from the burst, 4 more at 50/s: at least ~80 ms.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(70);
  });

  it('shutdown releases waiting getters with undefined', async () => {
    const q = new WorkQueue();
    const pending = q.get();
    q.shutdown();
    expect(await pending).toBeUndefined();
    q.add('x');
    expect(q.length).toBe(0);
  });
});
