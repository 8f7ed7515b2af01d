import { useState } from 'preact/hooks';
import { api, ApiError, newKey, type Area, type DayAvailability, type Order } from '../lib/api.js';
import { addDays } from '../lib/dates.js';
import { fmt } from '../lib/i18n.js';
import { session } from '../lib/store.js';
import { Notice, useUi } from '../lib/ui.js';
import { useFetch } from '../lib/use-fetch.js';

/** Moves the order to another day (up to 90 ahead) and a slot with places for all its tickets. */
export function RescheduleForm({
  order,
  area,
  today,
  token,
  onDone,
}: {
  order: Order;
  area: Area;
  today: string;
  token: string | null;
  onDone: (o: Order) => void;
}) {
  const { t } = useUi();
  const [date, setDate] = useState(order.date > today ? order.date : addDays(today, 1));
  const [slotId, setSlotId] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Error | null>(null);
  const [key, setKey] = useState(newKey);
  const units = order.tickets.filter((x) => x.status === 'valid').length;
  // a new date shows no slots until its own answer (useFetch drops a late one for an old date)
  const fetched = useFetch<DayAvailability>(
    /^\d{4}-\d{2}-\d{2}$/.test(date) ? `/v1/areas/${area.id}/availability?date=${date}` : null,
  );
  const day = fetched.data;
  const error = failure ?? fetched.error;
  const submit = async () => {
    setBusy(true);
    setFailure(null);
    try {
      onDone(
        await api<Order>(`/v1/orders/${order.id}/reschedule`, {
          method: 'POST',
          idempotencyKey: key,
          orderToken: token,
          auth: token ? null : session(),
          body: { date, slotId },
        }),
      );
    } catch (e) {
      setFailure(e as Error);
      setKey(newKey());
      setBusy(false);
    }
  };
  return (
    <form class="panel" onSubmit={(e) => (e.preventDefault(), void submit())}>
      <label for="rs-date">{t.newDate}</label>
      <input
        id="rs-date"
        type="date"
        min={today}
        max={addDays(today, 90)}
        value={date}
        onInput={(e) => (setDate(e.currentTarget.value), setSlotId(''))}
      />
      <label for="rs-slot">{t.slot}</label>
      <select
        id="rs-slot"
        value={slotId}
        onChange={(e) => setSlotId(e.currentTarget.value)}
        disabled={!day}
        data-day={day?.date ?? ''}
      >
        <option value="">—</option>
        {(day?.slots ?? []).map((s) => (
          <option
            key={s.slotId}
            value={s.slotId}
            disabled={s.remaining < units || (date === order.date && s.slotId === order.slotId)}
          >
            {s.startsAt}–{s.endsAt} · {s.soldOut ? t.soldOut : fmt(t.remaining, { n: s.remaining })}
          </option>
        ))}
      </select>
      {error && (
        <Notice kind="error">
          {fmt(t.error, { msg: `${error.message}${error instanceof ApiError ? ` (${error.code})` : ''}` })}
        </Notice>
      )}
      <button type="submit" class="primary" disabled={busy || !slotId}>
        {t.confirmReschedule}
      </button>
    </form>
  );
}
