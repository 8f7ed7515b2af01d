/**
 * Sales per day and channel laid out as stacked bars (pure: the component draws the
 * SVG from these numbers, and the test reads them back from the drawing).
 */
export interface DaySales {
  date: string;
  channels: { channel: string; amount: number }[];
}

export interface Bar {
  date: string;
  x: number;
  width: number;
  total: number;
  segments: { channel: string; amount: number; y: number; height: number }[];
}

export interface ChartLayout {
  width: number;
  height: number;
  /** the plot's bottom edge (bars grow up from it) */
  base: number;
  max: number;
  bars: Bar[];
  channels: string[];
}

const TOP = 12;
const BOTTOM = 28;

export function layoutChart(days: readonly DaySales[], width = 640, height = 240): ChartLayout {
  const channels = [...new Set(days.flatMap((d) => d.channels.map((c) => c.channel)))].sort();
  const totals = days.map((d) => d.channels.reduce((s, c) => s + c.amount, 0));
  const max = Math.max(1, ...totals);
  const base = height - BOTTOM;
  const slot = width / Math.max(1, days.length);
  const bars = days.map((d, i) => {
    let y = base;
    const segments = channels.flatMap((channel) => {
      const amount = d.channels.find((c) => c.channel === channel)?.amount ?? 0;
      if (amount <= 0) return [];
      const h = ((base - TOP) * amount) / max;
      y -= h;
      return [{ channel, amount, y, height: h }];
    });
    return { date: d.date, x: i * slot + slot * 0.15, width: slot * 0.7, total: totals[i]!, segments };
  });
  return { width, height, base, max, bars, channels };
}

/** The figures as CSV: one row per day and channel, amounts in yuan with two decimals. */
export function chartCsv(days: readonly DaySales[]): string {
  const rows = [['date', 'channel', 'amount_yuan']];
  for (const d of days)
    for (const c of d.channels) rows.push([d.date, c.channel, (c.amount / 100).toFixed(2)]);
  return rows.map((r) => r.join(',')).join('\r\n') + '\r\n';
}
