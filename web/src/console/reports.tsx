import { useEffect, useMemo, useState } from 'preact/hooks';
import { addDays, todayIn } from '../lib/dates.js';
import { fmt } from '../lib/i18n.js';
import { Notice } from '../lib/ui.js';
import { call, yuan } from './client.js';
import { chartCsv, layoutChart, type DaySales } from './chart.js';
import { useT } from './i18n.js';

/** The part of `GET /v1/admin/reports/:areaId/:date.json` (core/reports/daily.ts) the chart reads. */
interface DailyReport {
  date: string;
  totals: { gross: number };
  channels: { channel: string; amount: number }[];
}

const COLOURS = ['#0b5c3b', '#1a5fb4', '#a3001b', '#8a5a00', '#5b2a86', '#00606b', '#4f4f4f'];

/** Stacked bars drawn as inline SVG: one bar per day, one colour per channel. */
function SalesChart({ days }: { days: DaySales[] }) {
  const t = useT();
  const c = layoutChart(days);
  const colour = (ch: string) => COLOURS[c.channels.indexOf(ch) % COLOURS.length]!;
  return (
    <figure class="chart">
      <svg
        viewBox={`0 0 ${c.width} ${c.height}`}
        role="img"
        aria-label={t.salesByDay}
        data-testid="sales-chart"
        data-max={c.max}
      >
        <line x1="0" x2={c.width} y1={c.base} y2={c.base} stroke="#4f4f4f" />
        {c.bars.map((b) => (
          <g key={b.date} data-date={b.date} data-total={b.total}>
            {b.segments.map((s) => (
              <rect
                key={s.channel}
                x={b.x}
                width={b.width}
                y={s.y}
                height={s.height}
                fill={colour(s.channel)}
                data-channel={s.channel}
                data-amount={s.amount}
              >
                <title>{`${b.date} ${s.channel} ${yuan(s.amount)}`}</title>
              </rect>
            ))}
            <text x={b.x + b.width / 2} y={c.base + 18} text-anchor="middle" font-size="12" fill="#1a1a1a">
              {b.date.slice(5)}
            </text>
          </g>
        ))}
      </svg>
      <figcaption>
        {c.channels.map((ch) => (
          <span key={ch} class="legend">
            <i style={{ background: colour(ch) }} aria-hidden="true" />
            {ch}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

/** Reports: sales per day by channel over a chosen range, as a chart and as a CSV download. */
export function Reports({ areaId }: { areaId: string }) {
  const t = useT();
  const [from, setFrom] = useState(() => addDays(todayIn('Asia/Shanghai'), -6));
  const [count, setCount] = useState(7);
  const [days, setDays] = useState<DaySales[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    setDays(null);
    setError(null);
    const dates = Array.from({ length: count }, (_, i) => addDays(from, i));
    Promise.all(dates.map((d) => call<DailyReport>(`/v1/admin/reports/${areaId}/${d}.json`))).then(
      (rs) => current && setDays(rs.map((r) => ({ date: r.date, channels: r.channels }))),
      (e: Error) => current && setError(e.message),
    );
    return () => void (current = false);
  }, [areaId, from, count]);
  const csvHref = useMemo(
    () => (days ? URL.createObjectURL(new Blob([chartCsv(days)], { type: 'text/csv' })) : undefined),
    [days],
  );
  useEffect(() => () => void (csvHref && URL.revokeObjectURL(csvHref)), [csvHref]);
  const total = (days ?? []).reduce((s, d) => s + d.channels.reduce((x, c) => x + c.amount, 0), 0);
  return (
    <section>
      <h2>{t.reports}</h2>
      <div class="grid">
        <div>
          <label for="r-from">{t.from}</label>
          <input id="r-from" type="date" value={from} onChange={(e) => setFrom(e.currentTarget.value)} />
        </div>
        <div>
          <label for="r-days">{t.days}</label>
          <select id="r-days" value={count} onChange={(e) => setCount(Number(e.currentTarget.value))}>
            {[7, 14, 31].map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </div>
      </div>
      {error && <Notice kind="error">{fmt(t.error, { msg: error })}</Notice>}
      {!days && !error && <p>{t.loading}</p>}
      {days && (
        <>
          <h3>{t.salesByDay}</h3>
          <p class="big" data-testid="report-total">
            {fmt(t.total, { amount: yuan(total) })}
          </p>
          {total === 0 && <p class="muted">{t.noSales}</p>}
          <SalesChart days={days} />
          <a class="button" href={csvHref} download={`scenic-${areaId}-${from}-${count}d.csv`}>
            {t.exportCsv}
          </a>
        </>
      )}
    </section>
  );
}
