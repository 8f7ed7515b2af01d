import { describe, expect, it } from 'vitest';
import { GATE_BODY_LIMIT_BYTES, JOURNAL_BATCH_MAX, JournalBatch, type JournalEntry } from './protocol.js';
import { REASONS } from './reasons.js';

describe('gate protocol limits', () => {
  it('a full journal batch with every field at its longest fits the body limit', () => {
    const longest = REASONS.reduce((a, b) => (b.length > a.length ? b : a));
    const entry: JournalEntry = {
      scanId: 'ffffffff-ffff-ffff-ffff-ffffffffffff',
      seq: Number.MAX_SAFE_INTEGER,
      at: '2026-07-15T23:59:59.999999+14:00',
      media: 'face',
      direction: 'out',
      ticketId: 'ffffffff-ffff-ffff-ffff-ffffffffffff',
      decision: 'admit',
      reason: longest,
      mode: 'offline',
    };
    const body = JSON.stringify({ entries: Array.from({ length: JOURNAL_BATCH_MAX }, () => entry) });
    expect(JournalBatch.safeParse(JSON.parse(body)).success).toBe(true);
    expect(Buffer.byteLength(body)).toBeLessThan(GATE_BODY_LIMIT_BYTES);
  });
});
