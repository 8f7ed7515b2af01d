import { describe, expect, it } from 'vitest';
import { reportToCsv, type DailyReport } from './daily.js';

const report = (over: Partial<DailyReport> = {}): DailyReport => ({
  version: 1,
  areaId: 'west-lake',
  date: '2026-05-01',
  timezone: 'Asia/Shanghai',
  currency: 'CNY',
  generatedAt: '2026-05-02T01:00:00.000Z',
  totals: {
    orders: 1,
    tickets: 2,
    gross: 16000,
    payments: 16000,
    refundsBooked: 0,
    refundsPaid: 0,
    feesKept: 0,
    net: 16000,
  },
  sales: [],
  channels: [],
  refunds: [],
  reschedules: 0,
  entriesByHour: [],
  peakHour: null,
  visitors: { visitors: 0, repeatVisitors: 0, ageBands: {}, regions: {}, partySizes: {} },
  ...over,
});

describe('reportToCsv', () => {
  it('writes long form with CRLF lines', () => {
    const lines = reportToCsv(report()).split('\r\n');
    expect(lines[0]).toBe('section,key,subkey,metric,value');
    expect(lines[1]).toBe('report,west-lake,2026-05-01,timezone,Asia/Shanghai');
    expect(lines).toContain('totals,,,gross,16000');
    expect(lines.at(-1)).toBe('');
  });

  it('defuses spreadsheet formulas in ids and keeps negative figures numbers', () => {
    const csv = reportToCsv(
      report({
        sales: [{ channel: '=cmd|" /c calc"!A1', product: '@SUM(1)', tickets: 1, amount: -500 }],
        refunds: [{ reason: '+weather', refunds: 1, tickets: 1, amount: 8000 }],
      }),
    );
    expect(csv).toContain(`sales,"'=cmd|"" /c calc""!A1",'@SUM(1),amount,-500\r\n`);
    expect(csv).toContain(`refunds,'+weather,,refunds,1\r\n`);
  });
});
