import { useEffect, useReducer, useState } from 'preact/hooks';
import { api, ApiError, newKey, type Area, type Order, type PaymentStart } from '../lib/api.js';
import { saveOrder } from '../lib/store.js';
import { Notice, useUi } from '../lib/ui.js';
import { payAndReturn } from './pay.js';
import { VisitorFields } from './visitor-fields.js';
import {
  canBuy,
  initialPassSale,
  passOrderBody,
  passSaleReducer,
  termsLine,
  type PassProduct,
} from './pass-sale-state.js';

const TEXT = {
  zh: {
    title: '年卡',
    buy: '购买年卡',
    pay: '去支付',
    holder: '持卡人',
    slot: '首次入园时段',
    show: '查看年卡',
  },
  en: {
    title: 'Annual pass',
    buy: 'Buy the pass',
    pay: 'Pay',
    holder: 'Holder',
    slot: 'First visit slot',
    show: 'Annual passes',
  },
};

/**
 * Sells an annual pass (issue 18): the area's pass products with their terms, the holder's
 * name and ID number (the pass is bound to them), the first day's slot; then holds and pays
 * like any order. Renders nothing in an area without passes.
 */
export function PassSale({ area, today }: { area: Area; today: string }) {
  const { lang } = useUi();
  const text = TEXT[lang];
  const [passes, setPasses] = useState<PassProduct[]>([]);
  const [s, dispatch] = useReducer(passSaleReducer, undefined, () => initialPassSale(newKey()));
  useEffect(() => {
    api<{ items: PassProduct[] }>(`/v1/areas/${area.id}/passes`)
      .then((r) => setPasses(r.items))
      .catch(() => setPasses([]));
  }, [area.id]);
  if (!passes.length) return null;

  const buy = async () => {
    dispatch({ type: 'sending' });
    try {
      const o = await api<Order>('/v1/orders', {
        method: 'POST',
        idempotencyKey: s.idemKey,
        body: passOrderBody(area.id, today, s),
      });
      saveOrder(o.id, { token: o.accessToken ?? null, order: o });
      dispatch({ type: 'placed', order: o });
    } catch (e) {
      dispatch({ type: 'failed', error: e as Error, nextKey: newKey() });
    }
  };
  const pay = async () => {
    if (!s.order) return;
    try {
      const p = await api<PaymentStart>(`/v1/orders/${s.order.id}/payments`, {
        method: 'POST',
        orderToken: s.order.accessToken ?? null,
      });
      payAndReturn(p, s.order.id);
    } catch (e) {
      dispatch({ type: 'failed', error: e as Error, nextKey: newKey() });
    }
  };

  return (
    <section class="pass-sale" aria-label={text.title}>
      <button
        type="button"
        class="link"
        aria-expanded={s.open}
        onClick={() => dispatch({ type: 'open', open: !s.open })}
      >
        {text.show}
      </button>
      {s.open && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (canBuy(s)) void buy();
          }}
        >
          {passes.map((p) => (
            <label key={p.productId} class="pass-product">
              <input
                type="radio"
                name="pass"
                value={p.productId}
                checked={s.productId === p.productId}
                onChange={() => dispatch({ type: 'product', productId: p.productId })}
              />
              <span>
                <strong>{p.name}</strong> ¥{(p.price / 100).toFixed(2)}
              </span>
              <small>{termsLine(p, lang)}</small>
            </label>
          ))}
          <VisitorFields
            n={90}
            title={text.holder}
            v={s.holder}
            onChange={(holder) => dispatch({ type: 'holder', holder })}
          />
          <label for="pass-slot">{text.slot}</label>
          <select
            id="pass-slot"
            value={s.slotId ?? ''}
            onChange={(e) => dispatch({ type: 'slot', slotId: e.currentTarget.value })}
          >
            <option value="" disabled>
              —
            </option>
            {area.slots.map((x) => (
              <option key={x.id} value={x.id}>
                {x.startsAt}–{x.endsAt}
              </option>
            ))}
          </select>
          {s.error && (
            <Notice kind="error">
              {s.error instanceof ApiError ? `${s.error.message} (${s.error.code})` : s.error.message}
            </Notice>
          )}
          {s.order ? (
            <button type="button" class="primary" onClick={() => void pay()}>
              {text.pay} ¥{(s.order.amountTotal / 100).toFixed(2)}
            </button>
          ) : (
            <button type="submit" class="primary" disabled={!canBuy(s)}>
              {text.buy}
            </button>
          )}
        </form>
      )}
    </section>
  );
}
