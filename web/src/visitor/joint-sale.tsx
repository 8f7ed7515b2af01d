import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, newKey, type Area, type Order, type PaymentStart } from '../lib/api.js';
import { addDays } from '../lib/dates.js';
import { money } from '../lib/i18n.js';
import { saveOrder } from '../lib/store.js';
import { Notice, useUi } from '../lib/ui.js';
import { payAndReturn } from './pay.js';
import { idProblem, VisitorFields, type VisitorDraft } from './visitor-fields.js';
import { deviceId } from './waiting-room.js';
import type { JointProductView } from '../../../core/joint/store.js';

const TEXT = {
  zh: {
    title: '联票',
    show: '多景区联票',
    validAt: '可在以下景区各入园一次',
    date: '游玩日期',
    count: '人数',
    visitor: '游客',
    buy: '下单',
    pay: '去支付',
    per: '每人',
  },
  en: {
    title: 'Joint ticket',
    show: 'Joint tickets (several areas)',
    validAt: 'One entry at each of',
    date: 'Visit date',
    count: 'Visitors',
    visitor: 'Visitor',
    buy: 'Place order',
    pay: 'Pay',
    per: 'per visitor',
  },
};

/** How far ahead a joint ticket sells here (the areas' own calendars go to 90 days). */
const AHEAD_DAYS = 60;
/** The API's bound: up to ten visitors an order (core/joint/inputs.ts). */
const MAX_VISITORS = 10;

const blank = (productId: string): VisitorDraft => ({
  productId,
  name: '',
  idType: 'cn_resident',
  idNumber: '',
});

/** The names of `ids` (other areas' documents); an id stands in for one that does not load (offline). */
export function useAreaNames(ids: readonly string[]): Record<string, string> {
  const [names, setNames] = useState<Record<string, string>>({});
  const key = [...new Set(ids)].sort().join(',');
  useEffect(() => {
    if (!key) return;
    let live = true;
    void Promise.all(
      key.split(',').map((id) =>
        api<Area>(`/v1/areas/${encodeURIComponent(id)}`).then(
          (a) => [id, a.name] as const,
          () => [id, id] as const,
        ),
      ),
    ).then((pairs) => live && setNames(Object.fromEntries(pairs)));
    return () => {
      live = false;
    };
  }, [key]);
  return names;
}

/**
 * Sells a joint ticket (issue 18): one product valid at several areas, each admitting it
 * once. Shows the areas it is valid at, takes the date and one real-name form per visitor,
 * then `POST /v1/joint-orders` (all areas or none: the server reserves every area or
 * compensates) and pays like any order; the order page shows a ticket per visitor per
 * area. Renders nothing where no joint product includes this area.
 */
export function JointSale({ area, today }: { area: Area; today: string }) {
  const { lang } = useUi();
  const x = TEXT[lang];
  const [products, setProducts] = useState<JointProductView[]>([]);
  const [open, setOpen] = useState(false);
  const [productId, setProductId] = useState<string | null>(null);
  const [date, setDate] = useState(today);
  const [visitors, setVisitors] = useState<VisitorDraft[]>([blank('')]);
  const [order, setOrder] = useState<Order | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const [key, setKey] = useState(newKey);

  useEffect(() => {
    api<{ items: JointProductView[] }>('/v1/joint-products')
      .then((r) => setProducts(r.items.filter((p) => p.active && p.areas.some((a) => a.areaId === area.id))))
      .catch(() => setProducts([]));
  }, [area.id]);
  const names = useAreaNames(products.flatMap((p) => p.areas.map((a) => a.areaId)));
  if (!products.length) return null;

  const chosen = products.find((p) => p.id === productId) ?? null;
  const filled = visitors.every((v) => v.name.trim() && v.idNumber.trim().length >= 5 && !idProblem(v));
  const canBuy = !!chosen && !!date && filled && !busy && !order;
  const fail = (e: unknown) => {
    setError(e as Error);
    setBusy(false);
    setKey(newKey()); // a refusal is final for that key: the next attempt is a new purchase
  };
  const buy = async () => {
    if (!chosen) return;
    setBusy(true);
    setError(null);
    try {
      const o = await api<Order>('/v1/joint-orders', {
        method: 'POST',
        idempotencyKey: key,
        headers: { 'x-device-id': deviceId() },
        body: {
          jointProductId: chosen.id,
          date,
          visitors: visitors.map((v) => ({
            name: v.name.trim(),
            idType: v.idType,
            idNumber: v.idNumber.trim(),
          })),
        },
      });
      saveOrder(o.id, { token: o.accessToken ?? null, order: o });
      setOrder(o);
      setBusy(false);
    } catch (e) {
      fail(e);
    }
  };
  const pay = async () => {
    if (!order) return;
    try {
      const p = await api<PaymentStart>(`/v1/orders/${order.id}/payments`, {
        method: 'POST',
        orderToken: order.accessToken ?? null,
      });
      payAndReturn(p, order.id);
    } catch (e) {
      fail(e);
    }
  };
  const count = (n: number) => {
    const k = Math.max(1, Math.min(MAX_VISITORS, n));
    setVisitors((vs) => Array.from({ length: k }, (_, i) => vs[i] ?? blank(productId ?? '')));
  };

  return (
    <section class="joint-sale" aria-label={x.title}>
      <button type="button" class="link" aria-expanded={open} onClick={() => setOpen(!open)}>
        {x.show}
      </button>
      {open && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (canBuy) void buy();
          }}
        >
          {products.map((p) => (
            <label key={p.id} class="pass-product" data-joint={p.id}>
              <input
                type="radio"
                name="joint"
                value={p.id}
                checked={productId === p.id}
                disabled={!!order}
                onChange={() => setProductId(p.id)}
              />
              <span>
                <strong>{p.name}</strong> {money(p.price, p.currency)} <span class="muted">{x.per}</span>
              </span>
              <small>
                {x.validAt}:{' '}
                <span data-testid="joint-areas">
                  {p.areas.map((a) => names[a.areaId] ?? a.areaId).join(' · ')}
                </span>
              </small>
            </label>
          ))}
          <label for="joint-date">{x.date}</label>
          <input
            id="joint-date"
            type="date"
            min={today}
            max={addDays(today, AHEAD_DAYS)}
            value={date}
            disabled={!!order}
            onInput={(e) => setDate(e.currentTarget.value)}
          />
          <label for="joint-count">{x.count}</label>
          <input
            id="joint-count"
            type="number"
            inputMode="numeric"
            min={1}
            max={MAX_VISITORS}
            value={visitors.length}
            disabled={!!order}
            onInput={(e) => count(Number(e.currentTarget.value) || 1)}
          />
          {visitors.map((v, i) => (
            <VisitorFields
              key={i}
              n={70 + i}
              title={`${x.visitor} ${i + 1}`}
              v={v}
              onChange={(nv) => setVisitors((vs) => vs.map((old, j) => (j === i ? nv : old)))}
            />
          ))}
          {error && (
            <Notice kind="error">
              {error instanceof ApiError ? `${error.message} (${error.code})` : error.message}
            </Notice>
          )}
          {order ? (
            <button type="button" class="primary" onClick={() => void pay()}>
              {x.pay} {money(order.amountTotal, order.currency)}
            </button>
          ) : (
            <button type="submit" class="primary" disabled={!canBuy}>
              {x.buy}
              {chosen ? ` · ${money(chosen.price * visitors.length, chosen.currency)}` : ''}
            </button>
          )}
        </form>
      )}
    </section>
  );
}
