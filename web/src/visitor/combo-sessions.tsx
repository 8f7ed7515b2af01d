import { useEffect, useState } from 'preact/hooks';
import type { Dispatch } from 'preact/hooks';
import { api, type Area } from '../lib/api.js';
import { fmt } from '../lib/i18n.js';
import { useUi } from '../lib/ui.js';
import type { BookAction, BookState } from './book-state.js';

/** GET /v1/areas/:areaId/combo-availability (core/combos/store.ts comboAvailability). */
interface ComboDay {
  components: {
    id: string;
    name: string;
    kind: string;
    productIds: string[];
    sessions: { id: string; startsAt: string; capacity: number; left: number }[];
  }[];
}

/**
 * The combo part of step 2: for each component of a chosen combo (sightseeing bus, show,
 * meal), its departures or showtimes that day with the seats left; a session with fewer
 * seats than the chosen combos need cannot be picked. A component with one session needs
 * no pick (the server takes it). The server still decides: a session sold out meanwhile
 * refuses the order (409 combo_component_sold_out) and the page reloads what is left.
 */
export function ComboSessions({
  area,
  s,
  dispatch,
}: {
  area: Area;
  s: BookState;
  dispatch: Dispatch<BookAction>;
}) {
  const { t } = useUi();
  const combos = area.products.filter((p) => p.kind === 'combo' && (s.qty[p.id] ?? 0) > 0);
  const [day, setDay] = useState<ComboDay | null>(null);
  useEffect(() => {
    if (!s.date || !combos.length) return;
    let live = true;
    api<ComboDay>(`/v1/areas/${area.id}/combo-availability?date=${s.date}`)
      .then((d) => live && setDay(d))
      .catch(() => live && setDay(null));
    return () => {
      live = false;
    };
  }, [area.id, s.date, combos.length, s.reload]);
  if (!combos.length || !day) return null;
  const seatsFor = (productIds: string[]) =>
    combos.filter((p) => productIds.includes(p.id)).reduce((n, p) => n + p.persons * (s.qty[p.id] ?? 0), 0);
  const mine = day.components.filter((c) => c.sessions.length > 1 && seatsFor(c.productIds) > 0);
  if (!mine.length) return null;
  return (
    <fieldset class="combo-sessions" data-testid="combo-sessions">
      <legend>{t.comboPick}</legend>
      {mine.map((c) => (
        <div key={c.id} role="radiogroup" aria-label={c.name}>
          <h4>{c.name}</h4>
          {c.sessions.map((x) => {
            const full = x.left < seatsFor(c.productIds);
            return (
              <label key={x.id} class={full ? 'full' : ''}>
                <input
                  type="radio"
                  name={`combo-${c.id}`}
                  value={x.id}
                  disabled={full}
                  checked={s.sessions[c.id] === x.id}
                  onChange={() => dispatch({ type: 'session', componentId: c.id, sessionId: x.id })}
                />
                {fmt(full ? t.comboFull : t.comboLeft, { time: x.startsAt, n: x.left })}
              </label>
            );
          })}
        </div>
      ))}
    </fieldset>
  );
}
