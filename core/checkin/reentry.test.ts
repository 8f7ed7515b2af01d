import { describe, expect, it } from 'vitest';
import { countReentries } from './ledger.js';

const t = (min: number) => new Date(Date.UTC(2026, 6, 15, 2, min));
const scan = (id: string, min: number) => ({ scan_id: id, scanned_at: t(min) });

describe('countReentries (the ledger of a re-entry ticket)', () => {
  it('counts in, out, in, out, in: every entry, every exit', () => {
    expect(
      countReentries([scan('i1', 0), scan('i2', 20), scan('i3', 40)], [scan('o1', 10), scan('o2', 30)], 1),
    ).toEqual({ countedIds: ['i1', 'i2', 'i3'], exitsMatched: 2 });
  });

  it('leaves a second entry without an exit between uncounted: the double entry', () => {
    expect(countReentries([scan('i1', 0), scan('i2', 5), scan('i3', 20)], [scan('o1', 10)], 1)).toEqual({
      countedIds: ['i1', 'i3'],
      exitsMatched: 1,
    });
  });

  it('matches nothing for an exit with nobody inside', () => {
    expect(countReentries([scan('i1', 10)], [scan('o1', 0), scan('o2', 20)], 1)).toEqual({
      countedIds: ['i1'],
      exitsMatched: 1,
    });
  });

  it('gives the order of gates no say: the scans are ordered by their time', () => {
    const a = countReentries([scan('i2', 20), scan('i1', 0)], [scan('o1', 10)], 1);
    expect(a).toEqual(countReentries([scan('i1', 0), scan('i2', 20)], [scan('o1', 10)], 1));
  });

  it('takes the exit first when an entry and an exit share an instant', () => {
    expect(countReentries([scan('i1', 0), scan('i2', 10)], [scan('o1', 10)], 1)).toEqual({
      countedIds: ['i1', 'i2'],
      exitsMatched: 1,
    });
  });

  it('holds a family pass to its number of holders inside at once', () => {
    expect(countReentries([scan('a', 0), scan('b', 1), scan('c', 2)], [], 2).countedIds).toEqual(['a', 'b']);
  });
});
