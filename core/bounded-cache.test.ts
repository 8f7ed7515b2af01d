import { describe, expect, it } from 'vitest';
import { BoundedCache } from './bounded-cache.js';

describe('BoundedCache', () => {
  it('forgets entries after their time and never holds more than its cap', () => {
    let now = 0;
    const c = new BoundedCache<string, number | undefined>(1_000, 3, () => now);
    c.set('a', 1);
    c.set('miss', undefined);
    expect(c.get('a')).toEqual({ value: 1 });
    expect(c.get('miss')).toEqual({ value: undefined }); // a cached miss is still a hit
    expect(c.get('b')).toBeUndefined();
    for (let i = 0; i < 10_000; i++) c.set(`flood-${i}`, i);
    expect(c.size).toBe(3);
    expect(c.get('a')).toBeUndefined(); // pushed out by the flood
    now += 1_000;
    expect(c.get('flood-9999')).toBeUndefined(); // stale
  });

  it('moves a refreshed entry to the back of the line', () => {
    const c = new BoundedCache<string, number>(60_000, 2, () => 0);
    c.set('a', 1);
    c.set('b', 2);
    c.set('a', 3);
    c.set('c', 4);
    expect(c.get('a')).toEqual({ value: 3 });
    expect(c.get('b')).toBeUndefined();
  });
});
