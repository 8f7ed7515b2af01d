import { useState } from 'preact/hooks';
import { todayIn } from '../lib/dates.js';
import { fmt } from '../lib/i18n.js';
import { Notice } from '../lib/ui.js';
import { useFetch } from '../lib/use-fetch.js';
import { useT } from './i18n.js';

/** `GET /v1/admin/areas/:areaId` (core/catalog/define.ts `AdminAreaView`), as far as read here. */
interface AreaView {
  name: string;
  timezone: string;
  dailyCapacity: number;
  thresholds: { yellow: number; orange: number; red: number };
  closures: { weekdays: number[]; dates: string[] };
  slots: { id: string; startsAt: string; endsAt: string; capacity: number }[];
  declared: { by: string; fields: string[]; resource: { generation: number } } | null;
}

/** `GET /v1/admin/areas/:areaId/days/:date` (core/inventory `DaySnapshot`). */
interface DaySnapshot {
  initialised: boolean;
  capacity: number;
  used: number;
  level: 'green' | 'yellow' | 'orange' | 'red';
  slots: Record<string, { capacity: number; used: number }>;
}

/** `GET /v1/admin/areas/:areaId/channel-states` (core/channels/registry.ts `channelStates`). */
interface ChannelStates {
  channels: { channelId: string; name: string; selling: boolean; blockedBy: string[] }[];
}

/** core/catalog/closures.ts `isClosed`, without pulling its schema into the bundle. */
const closedOn = (c: AreaView['closures'], date: string) =>
  c.dates.includes(date) || c.weekdays.includes(new Date(`${date}T00:00:00Z`).getUTCDay() || 7);

/**
 * An area-day at a glance, the first screen a manager opens: its level, sold and left for
 * the day and per slot, which channels sell, and who owns the limits. An area-day nobody
 * has sold into yet has no counters in Redis: its figures are the declared capacities.
 */
export function Today({ areaId }: { areaId: string }) {
  const t = useT();
  const area = useFetch<AreaView>(`/v1/admin/areas/${areaId}`);
  const tz = area.data?.timezone ?? 'Asia/Shanghai';
  const [date, setDate] = useState(() => todayIn('Asia/Shanghai'));
  const day = useFetch<DaySnapshot>(`/v1/admin/areas/${areaId}/days/${date}`);
  const channels = useFetch<ChannelStates>(`/v1/admin/areas/${areaId}/channel-states?date=${date}`);
  const a = area.data;
  const d = day.data?.initialised ? day.data : undefined;
  const capacity = d?.capacity ?? a?.dailyCapacity ?? 0;
  const sold = d?.used ?? 0;
  const level = d?.level ?? 'green';
  const error = area.error ?? day.error ?? channels.error;
  return (
    <section>
      <h2>{t.today}</h2>
      <div class="grid">
        <div>
          <label for="t-date">{t.date}</label>
          <input
            id="t-date"
            type="date"
            value={date}
            min={todayIn(tz)}
            onChange={(e) => setDate(e.currentTarget.value)}
          />
        </div>
      </div>
      {error && <Notice kind="error">{fmt(t.error, { msg: error.message })}</Notice>}
      {a && (
        <div class="panel day" data-testid="day" data-level={level}>
          {closedOn(a.closures, date) ? (
            <p class="level closed" data-testid="closed">
              {t.closedDay}
            </p>
          ) : (
            <p class={`level ${level}`}>{t.levels[level]}</p>
          )}
          <p>
            <strong data-testid="day-sold">{fmt(t.soldOf, { sold, capacity })}</strong> ·{' '}
            {fmt(t.left, { n: Math.max(0, capacity - sold) })}
          </p>
          <p class="muted">{fmt(t.thresholdLine, a.thresholds)}</p>
        </div>
      )}
      {a && (
        <table class="slots" data-testid="slots">
          <thead>
            <tr>
              <th scope="col">{t.slot}</th>
              <th scope="col">{t.capacityCol}</th>
              <th scope="col">{t.soldCol}</th>
              <th scope="col">{t.leftCol}</th>
            </tr>
          </thead>
          <tbody>
            {a.slots.map((s) => {
              const c = d?.slots[s.id];
              const cap = c?.capacity ?? s.capacity;
              const used = c?.used ?? 0;
              return (
                <tr key={s.id} data-slot={s.id}>
                  <th scope="row">
                    {s.startsAt}–{s.endsAt}
                  </th>
                  <td>{cap}</td>
                  <td>{used}</td>
                  <td>{Math.max(0, cap - used)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <ul class="rows" data-testid="today-channels">
        {(channels.data?.channels ?? []).map((c) => (
          <li key={c.channelId} data-channel={c.channelId} data-selling={String(c.selling)}>
            <div>
              <strong>{c.name}</strong>
              <div class={c.selling ? 'state ok' : 'state no'}>
                {c.selling ? t.selling : fmt(t.blocked, { why: c.blockedBy.join(', ') })}
              </div>
            </div>
          </li>
        ))}
      </ul>
      {a && (
        <p class="muted" data-testid="owner">
          {a.declared
            ? fmt(t.declaredBy, { by: a.declared.by, gen: a.declared.resource.generation })
            : t.notDeclared}
        </p>
      )}
    </section>
  );
}
