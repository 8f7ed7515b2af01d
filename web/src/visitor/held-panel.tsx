import { useEffect, useState } from 'preact/hooks';
import { api, type Area, type Order, type PaymentStart } from '../lib/api.js';
import { clockTime } from '../lib/dates.js';
import { fmt, money } from '../lib/i18n.js';
import { session } from '../lib/store.js';
import { Notice, useUi } from '../lib/ui.js';
import { payAndReturn } from './pay.js';

/** A held order: until when the stock is held, cancel, or pay at the gateway. */
export function HeldPanel({
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
  const failed = (e: Error) => (setError(e), setBusy(false));
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
            api<Order>(`/v1/orders/${order.id}/cancel`, { method: 'POST', ...auth }).then(onChange, failed);
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
              failed,
            );
          }}
        >
          {fmt(t.pay, { amount: money(order.amountTotal, order.currency) })}
        </button>
      </div>
    </div>
  );
}
