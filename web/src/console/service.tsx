import { useState } from 'preact/hooks';
import { newKey, type Order, type RefundResult } from '../lib/api.js';
import { DICTS, REFUND_REASONS, fmt } from '../lib/i18n.js';
import { Notice, useUi } from '../lib/ui.js';
import { call, yuan } from './client.js';
import { FieldMsg, fieldErrors } from './field-errors.js';
import { useT } from './i18n.js';
import { CardBindings } from './card-binding.js';

type By = 'phone' | 'idNumber' | 'orderId';

/** Refund on the visitor's behalf: a reason from the closed list and a note for the audit trail. */
function RefundForm({ order, onDone }: { order: Order; onDone: (r: RefundResult) => void }) {
  const t = useT();
  const reasons = DICTS[useUi().lang].reasons;
  const [reason, setReason] = useState<string>(REFUND_REASONS[0]);
  const [note, setNote] = useState('');
  const [errs, setErrs] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  // one intent, one key: a retried click never refunds twice
  const [key] = useState(newKey);
  const send = async () => {
    setErrs({});
    setError(null);
    try {
      onDone(
        await call<RefundResult>(`/v1/cs/orders/${order.id}/refunds`, {
          method: 'POST',
          idempotencyKey: key,
          body: { reason, note: note.trim() },
        }),
      );
    } catch (e) {
      setErrs(fieldErrors(e));
      setError((e as Error).message);
    }
  };
  const id = order.id.slice(0, 8);
  return (
    <form class="refund" onSubmit={(e) => (e.preventDefault(), void send())}>
      <label for={`r-reason-${id}`}>{t.refundReason}</label>
      <select id={`r-reason-${id}`} value={reason} onChange={(e) => setReason(e.currentTarget.value)}>
        {REFUND_REASONS.map((r) => (
          <option key={r} value={r}>
            {reasons[r]}
          </option>
        ))}
      </select>
      <label for={`r-note-${id}`}>{t.refundNote}</label>
      <input
        id={`r-note-${id}`}
        value={note}
        aria-invalid={errs.note ? 'true' : undefined}
        aria-describedby={`r-note-${id}-msg`}
        onInput={(e) => setNote(e.currentTarget.value)}
      />
      <FieldMsg id={`r-note-${id}-msg`} msg={errs.note} />
      {error && <Notice kind="error">{error}</Notice>}
      <button type="submit" class="danger">
        {t.refund} {yuan(order.amountTotal - order.amountRefunded)}
      </button>
    </form>
  );
}

/** Customer service: find an area's orders by phone, ID number or order number (masked), refund one. */
export function Service({ areaId }: { areaId: string }) {
  const t = useT();
  const [by, setBy] = useState<By>('phone');
  const [q, setQ] = useState('');
  const [found, setFound] = useState<Order[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const search = async () => {
    setError(null);
    setDone(null);
    try {
      const qs = new URLSearchParams({ [by]: q.trim() });
      setFound((await call<{ items: Order[] }>(`/v1/cs/areas/${areaId}/orders?${qs}`)).items);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const refunded = (r: RefundResult) => {
    setOpen(null);
    setDone(fmt(t.refundDone, { amount: yuan(r.refund.amount) }));
    setFound((f) => (f ?? []).map((o) => (o.id === r.order.id ? r.order : o)));
  };
  return (
    <section>
      <h2>{t.service}</h2>
      <form class="grid" onSubmit={(e) => (e.preventDefault(), void search())}>
        <div>
          <label for="s-by">{t.searchBy}</label>
          <select id="s-by" value={by} onChange={(e) => setBy(e.currentTarget.value as By)}>
            <option value="phone">{t.byPhone}</option>
            <option value="idNumber">{t.byId}</option>
            <option value="orderId">{t.byOrder}</option>
          </select>
        </div>
        <div>
          <label for="s-q">{t.query}</label>
          <input id="s-q" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
        </div>
        <div class="end">
          <button type="submit" class="primary" disabled={!q.trim()}>
            {t.search}
          </button>
        </div>
      </form>
      {error && <Notice kind="error">{error}</Notice>}
      {done && <Notice kind="ok">{done}</Notice>}
      {found && found.length === 0 && <p class="muted">{t.noOrders}</p>}
      <ul class="rows orders-found" data-testid="orders">
        {(found ?? []).map((o) => (
          <li key={o.id} data-order={o.id} data-status={o.status}>
            <div>
              <strong>{fmt(t.order, { id: o.id.slice(0, 8) })}</strong> <span class="badge">{o.status}</span>
              <div class="muted">
                {o.date} · {o.channelId} · {o.contactPhone ?? '—'} · {t.amount} {yuan(o.amountTotal)}
                {o.amountRefunded > 0 && ` · ${t.refunded} ${yuan(o.amountRefunded)}`}
              </div>
              {open === o.id && <RefundForm order={o} onDone={refunded} />}
              {o.status === 'issued' && <CardBindings order={o} />}
            </div>
            {open !== o.id && o.amountRefunded < o.amountTotal && o.paidAt && (
              <button type="button" onClick={() => setOpen(o.id)}>
                {t.refund}
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
