import { useState } from 'preact/hooks';
import { api, ApiError, newKey, type Area, type DayAvailability, type Order, type Sale } from '../lib/api.js';
import { todayIn } from '../lib/dates.js';
import { fmt, money } from '../lib/i18n.js';
import { Qr } from '../lib/qr.js';
import { Notice } from '../lib/ui.js';
import { useFetch } from '../lib/use-fetch.js';
import type { Creds } from './agent.js';
import { useT } from './i18n.js';
import { newDraft, nextVisitor, patchDraft, saleBody, type SaleDraft } from './sale-draft.js';
import { SaleForm } from './sale-form.js';

/** While a QR payment is open at the counter, the order is asked for this often until issued. */
const PAY_POLL_MS = 1500;

/**
 * Walk-up sales at the window: today's slots for the box-office channel, the sale form,
 * one request that sells and takes the money, then the tickets (or the payment QR).
 */
export function BoxOffice({ creds, area }: { creds: Creds; area: Area }) {
  const today = todayIn(area.timezone);
  const [draft, setDraft] = useState(() => newDraft(area.products[0]?.id ?? ''));
  const [order, setOrder] = useState<Order | null>(null);
  const [pay, setPay] = useState<Sale['payment'] | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [key, setKey] = useState(newKey);
  const day = useFetch<DayAvailability>(
    `/v1/areas/${area.id}/availability?date=${today}&channel=box-office`,
    {
      // the first slot with places, unless one is picked already
      onData: (d) =>
        setDraft((x) => (x.slotId ? x : { ...x, slotId: d.slots.find((s) => !s.soldOut)?.slotId ?? '' })),
    },
  );
  // Waiting for the visitor to pay at the counter: ask for the order until issued.
  useFetch<Order>(order?.status === 'held' ? `/v1/orders/${order.id}` : null, {
    auth: creds.key,
    onData: setOrder,
    pollMs: (o) => (o === null || o.status === 'held' ? PAY_POLL_MS : null),
    maxPolls: Infinity,
  });
  const shownError = error ?? day.error?.message ?? null;

  // One request sells and takes the money (core/channels/box-office.ts): cash and card are
  // recorded as paid at once, a QR payment waits for the gateway.
  const sell = async () => {
    setBusy(true);
    setError(null);
    try {
      const sale = await api<Sale>('/v1/box-office/sales', {
        method: 'POST',
        auth: creds.key,
        idempotencyKey: key,
        body: saleBody(area.id, today, draft),
      });
      setPay(sale.payment);
      // the staff view of the order carries the ticket codes to print
      setOrder(
        sale.order.status === 'issued'
          ? await api<Order>(`/v1/orders/${sale.order.id}`, { auth: creds.key })
          : sale.order,
      );
      day.reload();
    } catch (e) {
      setError(e instanceof ApiError ? `${e.message} (${e.code})` : (e as Error).message);
      setKey(newKey());
    } finally {
      setBusy(false);
    }
  };

  if (order)
    return (
      <SaleResult
        order={order}
        pay={pay}
        error={shownError}
        onNext={() => {
          setOrder(null);
          setPay(null);
          setDraft(nextVisitor);
          setKey(newKey());
          day.reload();
        }}
      />
    );
  return (
    <SaleForm
      area={area}
      day={day.data}
      draft={draft}
      onDraft={(patch: Partial<SaleDraft>) => setDraft((d) => patchDraft(d, patch))}
      busy={busy}
      error={shownError}
      onSell={() => void sell()}
    />
  );
}

/** After the sale: the payment QR while the visitor pays, then the change due and the tickets. */
function SaleResult({
  order,
  pay,
  error,
  onNext,
}: {
  order: Order;
  pay: Sale['payment'] | null;
  error: string | null;
  onNext: () => void;
}) {
  const t = useT();
  const amount = money(order.amountTotal, order.currency);
  return (
    <section data-testid="sale">
      {order.status === 'held' && pay?.payUrl && (
        <>
          <p class="big center">{fmt(t.payQr, { amount })}</p>
          <Qr text={pay.payUrl} label={fmt(t.payQr, { amount })} size={240} />
        </>
      )}
      {order.status === 'issued' && (
        <>
          <Notice kind="ok">
            <span data-testid="sale-issued">{t.issued}</span> · {amount} · {t[pay?.method ?? 'qr']}
          </Notice>
          {pay?.changeDue != null && pay.changeDue > 0 && (
            <p class="big center" data-testid="change-due">
              {fmt(t.change, { amount: money(pay.changeDue, order.currency) })}
            </p>
          )}
          {order.tickets
            .filter((x) => x.code)
            .map((x) => (
              <div key={x.id} class="ticket">
                <Qr text={x.code!} label={`${x.visitor.name}`} size={220} />
                <p class="center">{x.visitor.name}</p>
              </div>
            ))}
        </>
      )}
      {error && <Notice kind="error">{error}</Notice>}
      <button type="button" class="primary" onClick={onNext}>
        {t.newSale}
      </button>
    </section>
  );
}
