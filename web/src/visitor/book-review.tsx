import { Fragment, type ComponentChildren } from 'preact';
import type { Dispatch } from 'preact/hooks';
import type { Area } from '../lib/api.js';
import { clockTime } from '../lib/dates.js';
import { fmt, money } from '../lib/i18n.js';
import { Notice, useUi } from '../lib/ui.js';
import { listTotal, type BookAction, type BookState } from './book-state.js';

/** Step 3: what will be bought, a coupon, then Place order (holds the stock) and Pay. */
export function ReviewStep({
  area,
  s,
  dispatch,
  header,
  errorBox,
  go,
  onPlace,
  onPay,
}: {
  area: Area;
  s: BookState;
  dispatch: Dispatch<BookAction>;
  header: ComponentChildren;
  errorBox: ComponentChildren;
  go: (path: string) => void;
  onPlace: () => void;
  onPay: () => void;
}) {
  const { t, lang } = useUi();
  const { order, busy } = s;
  const slot = area.slots.find((x) => x.id === s.slotId);
  return (
    <section data-testid="step3">
      {header}
      <dl class="summary">
        <dt>{t.date}</dt>
        <dd>{s.date}</dd>
        <dt>{t.slot}</dt>
        <dd>{slot ? `${slot.startsAt}–${slot.endsAt}` : ''}</dd>
        {area.products
          .filter((p) => s.qty[p.id])
          .map((p) => (
            <Fragment key={p.id}>
              <dt>{p.name}</dt>
              <dd>
                {s.qty[p.id]} × {money(p.basePrice, p.currency)}
              </dd>
            </Fragment>
          ))}
        <dt>{t.visitors}</dt>
        <dd>{s.visitors.map((v) => v.name).join('、')}</dd>
      </dl>
      {!order && (
        <>
          <label for="coupon">{t.coupon}</label>
          <input
            id="coupon"
            autocomplete="off"
            autocapitalize="characters"
            maxLength={32}
            value={s.coupon}
            onInput={(e) => dispatch({ type: 'coupon', coupon: e.currentTarget.value })}
          />
        </>
      )}
      {order && order.expiresAt && (
        <Notice kind="info">
          <span data-testid="hold">{fmt(t.hold, { time: clockTime(order.expiresAt, area.timezone) })}</span>
        </Notice>
      )}
      {errorBox}
      <div class="bar">
        {!order && (
          <button type="button" onClick={() => dispatch({ type: 'step', step: 2 })} disabled={busy}>
            {t.back}
          </button>
        )}
        {!order ? (
          <button type="button" class="primary" disabled={busy} onClick={onPlace}>
            {t.placeOrder} · {money(listTotal(area, s))}
          </button>
        ) : (
          <button type="button" class="primary" disabled={busy} onClick={onPay}>
            {fmt(t.pay, { amount: money(order.amountTotal, order.currency) })}
          </button>
        )}
      </div>
      {order && (
        <p>
          <a href={`/orders/${order.id}`} onClick={(e) => (e.preventDefault(), go(`/orders/${order.id}`))}>
            {t.myOrders}
          </a>
        </p>
      )}
      <p class="muted">
        {lang === 'zh'
          ? '支付由支付渠道完成，本页不保存银行卡信息。'
          : 'Payment happens at the payment provider; this page keeps no card data.'}
      </p>
    </section>
  );
}
