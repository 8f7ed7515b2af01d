import { useEffect, useState } from 'preact/hooks';
import {
  api,
  ApiError,
  newKey,
  type Area,
  type DayAvailability,
  type Order,
  type PaymentStart,
} from '../lib/api.js';
import { addDays, clockTime, longDate } from '../lib/dates.js';
import { fmt, money, REFUND_REASONS } from '../lib/i18n.js';
import { Qr } from '../lib/qr.js';
import { saveOrder, savedOrder, session } from '../lib/store.js';
import { Notice, useOnline, useUi } from '../lib/ui.js';
import { payAndReturn } from './book.js';

/**
 * One order: the tickets with their QR codes (shown from this phone's copy when
 * offline), payment while held, refund with a reason, reschedule to another day/slot.
 */
export function OrderPage({ id, area, today }: { id: string; area: Area | null; today: string }) {
  const { t, lang } = useUi();
  const online = useOnline();
  const saved = savedOrder(id);
  const [order, setOrder] = useState<Order | null>(saved?.order ?? null);
  const [error, setError] = useState<Error | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [panel, setPanel] = useState<'none' | 'refund' | 'reschedule'>('none');
  const auth = { orderToken: saved?.token ?? null, auth: saved?.token ? null : session() };

  const load = async () => {
    try {
      const o = await api<Order>(`/v1/orders/${id}`, auth);
      saveOrder(id, { order: o });
      setOrder(o);
      setError(null);
      return o;
    } catch (e) {
      if (!(e instanceof TypeError)) setError(e as Error); // TypeError = no network: keep the saved copy
      return null;
    }
  };

  useEffect(() => {
    let stop = false;
    let n = 0;
    const tick = async () => {
      const o = await load();
      // After paying, the gateway's notice may land a moment later: poll while held.
      if (!stop && o?.status === 'held' && n++ < 90) setTimeout(() => void tick(), 2000);
    };
    void tick();
    return () => {
      stop = true;
    };
  }, [id]);

  if (!order)
    return error ? <Notice kind="error">{fmt(t.error, { msg: error.message })}</Notice> : <p>{t.loading}</p>;

  const slot = area?.slots.find((s) => s.id === order.slotId);
  const slotText = slot ? `${slot.startsAt}–${slot.endsAt}` : order.slotId;
  const live = order.tickets.filter((x) => x.status === 'valid' && x.code);
  const productName = (pid: string) => area?.products.find((p) => p.id === pid)?.name ?? pid;
  const canChange = order.status === 'issued' || order.status === 'partially_refunded';

  return (
    <section data-testid="order">
      <h2>
        {t.ticket} · <span data-testid="order-status">{t.status[order.status]}</span>
      </h2>
      {!online && <Notice kind="warn">{t.offline}</Notice>}
      {error && (
        <Notice kind="error">
          {fmt(t.error, { msg: `${error.message}${error instanceof ApiError ? ` (${error.code})` : ''}` })}
        </Notice>
      )}
      {done && <Notice kind="ok">{done}</Notice>}
      <dl class="summary">
        <dt>{t.date}</dt>
        <dd>{longDate(order.date, lang)}</dd>
        <dt>{t.slot}</dt>
        <dd data-testid="slot">{slotText}</dd>
        <dt>{t.entrance}</dt>
        <dd>
          {fmt(t.anyEntrance, {
            list: area?.entrances.map((e) => e.name).join(lang === 'zh' ? '、' : ', ') ?? '',
          })}
        </dd>
        <dt>{t.total}</dt>
        <dd>
          {money(order.amountTotal, order.currency)}
          {order.amountRefunded ? ` (−${money(order.amountRefunded, order.currency)})` : ''}
        </dd>
      </dl>
      {order.status === 'held' && (
        <HeldPanel order={order} area={area} token={saved?.token ?? null} onChange={setOrder} />
      )}
      {live.length > 0 && (
        <>
          <p class="big center">{t.showQr}</p>
          <ol class="tickets">
            {live.map((x, i) => (
              <li key={x.id} class="ticket" data-testid="ticket">
                <Qr text={x.code!} label={`${t.ticket} ${i + 1}: ${x.visitor.name}`} />
                <p class="center">
                  <strong>{fmt(t.ticketOf, { n: i + 1, total: live.length })}</strong> ·{' '}
                  {productName(x.productId)} · {x.visitor.name} · {x.visitor.idNumber}
                </p>
              </li>
            ))}
          </ol>
          <p class="muted center">✓ {t.savedOffline}</p>
          <Notice kind="info">{t.late}</Notice>
        </>
      )}
      {order.tickets.some((x) => x.status !== 'valid') && (
        <ul class="plain">
          {order.tickets
            .filter((x) => x.status !== 'valid')
            .map((x) => (
              <li key={x.id}>
                {productName(x.productId)} · {x.visitor.name} · {t.ticketStatus[x.status]}
              </li>
            ))}
        </ul>
      )}
      {canChange && online && (
        <div class="bar">
          <button
            type="button"
            aria-expanded={panel === 'refund'}
            onClick={() => setPanel(panel === 'refund' ? 'none' : 'refund')}
          >
            {t.refund}
          </button>
          <button
            type="button"
            aria-expanded={panel === 'reschedule'}
            onClick={() => setPanel(panel === 'reschedule' ? 'none' : 'reschedule')}
          >
            {t.reschedule}
          </button>
        </div>
      )}
      {panel === 'refund' && canChange && (
        <RefundForm
          order={order}
          token={saved?.token ?? null}
          onDone={(o, amount) => {
            saveOrder(id, { order: o });
            setOrder(o);
            setPanel('none');
            setDone(fmt(t.refunded, { amount: money(amount, o.currency) }));
          }}
        />
      )}
      {panel === 'reschedule' && canChange && area && (
        <RescheduleForm
          order={order}
          area={area}
          today={today}
          token={saved?.token ?? null}
          onDone={(o) => {
            saveOrder(id, { order: o });
            setOrder(o);
            setPanel('none');
            const s = area.slots.find((x) => x.id === o.slotId);
            setDone(fmt(t.rescheduled, { date: o.date, slot: s ? `${s.startsAt}–${s.endsAt}` : o.slotId }));
          }}
        />
      )}
    </section>
  );
}

function HeldPanel({
  order,
  area,
  token,
  onChange,
}: {
  order: Order;
  area: Area | null;
  token: string | null;
  onChange: (o: Order) => void;
}) {
  const { t } = useUi();
  const [now, setNow] = useState(Date.now());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  useEffect(() => {
    const i = setInterval(() => setNow(Date.now()), 15_000);
    return () => clearInterval(i);
  }, []);
  const exp = order.expiresAt ? Date.parse(order.expiresAt) : null;
  const paid = new URLSearchParams(location.search).has('paid');
  if (exp !== null && exp <= now) return <Notice kind="warn">{t.holdExpired}</Notice>;
  const auth = { orderToken: token, auth: token ? null : session() };
  return (
    <div>
      {paid && <Notice kind="info">{t.waitingPay}</Notice>}
      {exp !== null && (
        <Notice kind="info">
          <span data-testid="hold">
            {fmt(t.hold, { time: clockTime(order.expiresAt!, area?.timezone ?? 'Asia/Shanghai') })}
          </span>{' '}
          {fmt(t.holdLeft, { min: Math.max(1, Math.round((exp - now) / 60_000)) })}
        </Notice>
      )}
      {error && <Notice kind="error">{fmt(t.error, { msg: error.message })}</Notice>}
      <div class="bar">
        <button
          type="button"
          disabled={busy}
          onClick={() => {
            setBusy(true);
            api<Order>(`/v1/orders/${order.id}/cancel`, { method: 'POST', ...auth }).then(
              onChange,
              (e: Error) => (setError(e), setBusy(false)),
            );
          }}
        >
          {t.cancelOrder}
        </button>
        <button
          type="button"
          class="primary"
          disabled={busy}
          onClick={() => {
            setBusy(true);
            api<PaymentStart>(`/v1/orders/${order.id}/payments`, { method: 'POST', ...auth }).then(
              (p) => payAndReturn(p, order.id),
              (e: Error) => (setError(e), setBusy(false)),
            );
          }}
        >
          {fmt(t.pay, { amount: money(order.amountTotal, order.currency) })}
        </button>
      </div>
    </div>
  );
}

function RefundForm({
  order,
  token,
  onDone,
}: {
  order: Order;
  token: string | null;
  onDone: (o: Order, amount: number) => void;
}) {
  const { t } = useUi();
  const [reason, setReason] = useState<(typeof REFUND_REASONS)[number]>('change_of_plans');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [key] = useState(newKey);
  const submit = async () => {
    setBusy(true);
    try {
      const r = await api<{ order: Order; refund: { amount: number; status: string } }>(
        `/v1/orders/${order.id}/refunds`,
        {
          method: 'POST',
          idempotencyKey: key,
          orderToken: token,
          auth: token ? null : session(),
          body: { reason, ...(note.trim() ? { note: note.trim() } : {}) },
        },
      );
      onDone(r.order, r.refund.amount);
    } catch (e) {
      setError(e as Error);
      setBusy(false);
    }
  };
  return (
    <form class="panel" onSubmit={(e) => (e.preventDefault(), void submit())}>
      <label for="refund-reason">{t.refundReason}</label>
      <select
        id="refund-reason"
        value={reason}
        onChange={(e) => setReason(e.currentTarget.value as typeof reason)}
      >
        {REFUND_REASONS.map((r) => (
          <option key={r} value={r}>
            {t.reasons[r]}
          </option>
        ))}
      </select>
      <label for="refund-note">{t.refundNote}</label>
      <textarea
        id="refund-note"
        rows={2}
        maxLength={500}
        value={note}
        onInput={(e) => setNote(e.currentTarget.value)}
      />
      {error && <Notice kind="error">{fmt(t.error, { msg: error.message })}</Notice>}
      <button type="submit" class="primary danger" disabled={busy}>
        {t.confirmRefund}
      </button>
    </form>
  );
}

function RescheduleForm({
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
  const [day, setDay] = useState<DayAvailability | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [key, setKey] = useState(newKey);
  const units = order.tickets.filter((x) => x.status === 'valid').length;
  useEffect(() => {
    setDay(null);
    setSlotId('');
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return;
    // an answer for a date the visitor has since changed must not show as the new date's slots
    let current = true;
    api<DayAvailability>(`/v1/areas/${area.id}/availability?date=${date}`).then(
      (d) => current && setDay(d),
      (e: Error) => current && setError(e),
    );
    return () => {
      current = false;
    };
  }, [date]);
  const submit = async () => {
    setBusy(true);
    setError(null);
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
      setError(e as Error);
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
        onInput={(e) => setDate(e.currentTarget.value)}
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
