import { describe, expect, it } from 'vitest';
import { uuidv7 } from './ids.js';

describe('uuidv7', () => {
  it('is a version-7 RFC 9562 UUID and strictly increasing within one millisecond', () => {
    const ids = Array.from({ length: 5000 }, () => uuidv7(1_750_000_000_000));
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('draws fresh random bits for every id across refills of its entropy pool', () => {
    // 1,000 ids at distinct milliseconds: each takes 18 random bytes, ≈ four refills of 4 KiB
    const ids = Array.from({ length: 1000 }, (_, i) => uuidv7(1_760_000_000_000 + i * 1000));
    const randomParts = ids.map((id) => id.replaceAll('-', '').slice(16));
    expect(new Set(randomParts).size).toBe(ids.length);
    expect(new Set(ids.map((id) => id.slice(15, 18))).size).toBeGreaterThan(100);
  });
});
