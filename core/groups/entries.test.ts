import { describe, expect, it } from 'vitest';
import { countGroupEntries } from './entries.js';

describe('countGroupEntries', () => {
  it.each<[string, (number | null)[], number, number[], number, string[]]>([
    ['4 then 2 of 6', [4, 2], 6, [4, 2], 6, []],
    ['4, 2, then 1 over', [4, 2, 1], 6, [4, 2, 0], 6, ['s2']],
    ['two devices offline, 4 each', [4, 4], 6, [4, 2], 6, ['s1']],
    ['a gate without persons: the rest of the party', [2, null], 6, [2, 4], 6, []],
    ['no persons on a full party: one over', [6, null], 6, [6, 0], 6, ['s1']],
  ])('%s', (_n, persons, size, counted, entered, over) => {
    const r = countGroupEntries(
      persons.map((p, i) => ({ scan_id: `s${i}`, persons: p })),
      size,
    );
    expect(persons.map((_, i) => r.counted.get(`s${i}`))).toEqual(counted);
    expect(r.entered).toBe(entered);
    expect(r.overIds).toEqual(over);
  });
});
