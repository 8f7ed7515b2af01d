import { useEffect, useState } from 'preact/hooks';
import { api, type PricedDay } from '../lib/api.js';
import { addDays, longDate, weekdayMon0 } from '../lib/dates.js';
import { fmt } from '../lib/i18n.js';
import { useUi } from '../lib/ui.js';
import { cellPrice, dynamicFrom } from './day-price.js';

// the calendar's own strings (the shared dictionary stays as it is)
const PRICE_FROM = { zh: '{price} 起', en: 'from {price}' } as const;

/** How many days the calendar offers (the API sells up to 90 days ahead). */
export const CALENDAR_DAYS = 28;

/** Loads the availability of `dates`, a few requests at a time (slow phones, shared links). */
export function useAvailability(
  areaId: string | null,
  dates: string[],
  reload = 0,
): Record<string, PricedDay | Error> {
  const [days, setDays] = useState<Record<string, PricedDay | Error>>({});
  const key = dates.join(',');
  useEffect(() => {
    if (!areaId || !dates.length) return;
    let stop = false;
    const queue = [...dates];
    const worker = async () => {
      for (let d = queue.shift(); d && !stop; d = queue.shift()) {
        const date = d;
        try {
          const a = await api<PricedDay>(`/v1/areas/${encodeURIComponent(areaId)}/availability?date=${date}`);
          if (!stop) setDays((prev) => ({ ...prev, [date]: a }));
        } catch (e) {
          if (!stop) setDays((prev) => ({ ...prev, [date]: e as Error }));
        }
      }
    };
    void Promise.all([worker(), worker(), worker(), worker()]);
    return () => {
      stop = true;
    };
  }, [areaId, key, reload]);
  return days;
}

export function dayState(
  a: PricedDay | Error | undefined,
): 'loading' | 'error' | 'closed' | 'soldout' | 'almost' | 'open' {
  if (!a) return 'loading';
  if (a instanceof Error) return 'error';
  if (a.closed) return 'closed';
  if (a.remaining === 0) return 'soldout';
  return a.almostFull ? 'almost' : 'open';
}

/** A month-style grid of the next days: what is left, "almost full" at yellow, "sold out". */
export function Calendar({
  today,
  days,
  selected,
  onPick,
  productIds = [],
}: {
  today: string;
  days: Record<string, PricedDay | Error>;
  selected: string | null;
  onPick: (d: string) => void;
  /** the products chosen: the dynamic price shown is theirs */
  productIds?: readonly string[];
}) {
  const { t, lang, large } = useUi();
  const dates = Array.from({ length: CALENDAR_DAYS }, (_, i) => addDays(today, i));
  const lead = weekdayMon0(today);
  const heads =
    lang === 'zh' ? ['一', '二', '三', '四', '五', '六', '日'] : ['Mo', 'Tu', 'We', 'Th', 'Fr', 'Sa', 'Su'];
  // Large-text mode: seven columns of large text do not fit a phone; a two-column list
  // with the weekday written out does.
  return (
    <div class={`calendar${large ? ' list' : ''}`} role="group" aria-label={t.pickDate}>
      {!large &&
        heads.map((h) => (
          <div class="dow" aria-hidden="true" key={h}>
            {h}
          </div>
        ))}
      {!large && Array.from({ length: lead }, (_, i) => <div key={`pad${i}`} />)}
      {dates.map((d) => {
        const a = days[d];
        const s = dayState(a);
        const label =
          s === 'closed'
            ? t.closedDay
            : s === 'soldout'
              ? t.soldOut
              : s === 'almost'
                ? t.almostFull
                : s === 'open' && !(a instanceof Error) && a
                  ? fmt(t.remaining, { n: a.remaining })
                  : s === 'error'
                    ? '—'
                    : '…';
        const day = Number(d.slice(8));
        const from = s === 'open' || s === 'almost' ? dynamicFrom(a, productIds) : null;
        return (
          <button
            type="button"
            key={d}
            class={`day ${s}${selected === d ? ' selected' : ''}`}
            disabled={s === 'closed' || s === 'soldout' || s === 'error' || s === 'loading'}
            aria-pressed={selected === d}
            aria-label={`${longDate(d, lang)} ${d === today ? t.today : ''} ${label}${from === null ? '' : ` ${fmt(PRICE_FROM[lang], { price: cellPrice(from) })}`}`}
            data-date={d}
            onClick={() => onPick(d)}
          >
            <span class="num">
              {large
                ? `${longDate(d, lang)}${d === today ? ` · ${t.today}` : ''}`
                : d === today
                  ? t.today
                  : day === 1
                    ? `${d.slice(5, 7)}/${day}`
                    : day}
            </span>
            <span class="left">{label}</span>
            {from !== null && (
              <span class="price" data-price={from}>
                {cellPrice(from)}
              </span>
            )}
          </button>
        );
      })}
    </div>
  );
}
