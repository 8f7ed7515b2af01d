import { useState } from 'preact/hooks';
import { ApiError, type Area, type Order } from '../lib/api.js';
import { longDate } from '../lib/dates.js';
import { fmt, money } from '../lib/i18n.js';
import { saveOrder, savedOrder, session } from '../lib/store.js';
import { Notice, useOnline, useUi } from '../lib/ui.js';
import { useFetch } from '../lib/use-fetch.js';
import { HeldPanel } from './held-panel.js';
import { TicketList } from './order-tickets.js';
import { RefundForm } from './refund-form.js';
import { RescheduleForm } from './reschedule-form.js';

/** After paying, the gateway's notice may land a moment later: ask again while the order is held. */
const HELD_POLL_MS = 2000;

/**
 * One order: the tickets with their QR codes (shown from this phone's copy when
 * offline), payment while held, refund with a reason, reschedule to another day/slot.
 */
export function OrderPage({ id, area, today }: { id: string; area: Area | null; today: string }) {
  const { t, lang } = useUi();
  const online = useOnline();
  const saved = savedOrder(id);
  const token = saved?.token ?? null;
  const [order, setOrder] = useState<Order | null>(saved?.order ?? null);
  const [done, setDone] = useState<string | null>(null);
  const [panel, setPanel] = useState<'none' | 'refund' | 'reschedule'>('none');
  const keep = (o: Order) => (saveOrder(id, { order: o }), setOrder(o));
  const fetched = useFetch<Order>(`/v1/orders/${id}`, {
    orderToken: token,
    auth: token ? null : session(),
    onData: keep,
    pollMs: (o) => (o?.status === 'held' ? HELD_POLL_MS : null),
  });
  // TypeError = no network: the phone's saved copy stands, with the offline notice
  const error = fetched.error instanceof TypeError ? null : fetched.error;

  if (!order)
    return error ? <Notice kind="error">{fmt(t.error, { msg: error.message })}</Notice> : <p>{t.loading}</p>;

  const slot = area?.slots.find((s) => s.id === order.slotId);
  const canChange = order.status === 'issued' || order.status === 'partially_refunded';
  const toggle = (p: 'refund' | 'reschedule') => setPanel(panel === p ? 'none' : p);
  const changed = (o: Order, message: string) => (keep(o), setPanel('none'), setDone(message));

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
        <dd data-testid="slot">{slot ? `${slot.startsAt}–${slot.endsAt}` : order.slotId}</dd>
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
      {order.status === 'held' && <HeldPanel order={order} area={area} token={token} onChange={setOrder} />}
      <TicketList order={order} area={area} />
      {canChange && online && (
        <div class="bar">
          <button type="button" aria-expanded={panel === 'refund'} onClick={() => toggle('refund')}>
            {t.refund}
          </button>
          <button type="button" aria-expanded={panel === 'reschedule'} onClick={() => toggle('reschedule')}>
            {t.reschedule}
          </button>
        </div>
      )}
      {panel === 'refund' && canChange && (
        <RefundForm
          order={order}
          token={token}
          onDone={(o, amount) => changed(o, fmt(t.refunded, { amount: money(amount, o.currency) }))}
        />
      )}
      {panel === 'reschedule' && canChange && area && (
        <RescheduleForm
          order={order}
          area={area}
          today={today}
          token={token}
          onDone={(o) => {
            const s = area.slots.find((x) => x.id === o.slotId);
            changed(
              o,
              fmt(t.rescheduled, { date: o.date, slot: s ? `${s.startsAt}–${s.endsAt}` : o.slotId }),
            );
          }}
        />
      )}
    </section>
  );
}
