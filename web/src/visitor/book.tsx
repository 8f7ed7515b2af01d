import { Fragment } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, ApiError, newKey, type Area, type Order, type PaymentStart } from '../lib/api.js';
import { addDays, clockTime } from '../lib/dates.js';
import { fmt, money } from '../lib/i18n.js';
import { rememberVisitors, saveOrder, savedVisitors } from '../lib/store.js';
import { Notice, useUi } from '../lib/ui.js';
import { Calendar, CALENDAR_DAYS, useAvailability } from './calendar.js';
import { idProblem, VisitorFields, type VisitorDraft } from './visitor-fields.js';

/** Where the fake (or real) gateway sends the visitor back after paying. */
export function payAndReturn(p: PaymentStart, orderId: string): void {
  if (!p.payUrl) {
    location.assign(`/orders/${orderId}`);
    return;
  }
  const back = `${location.origin}/orders/${orderId}?paid=1`;
  const u = new URL(p.payUrl, location.href);
  u.searchParams.set('return', back);
  location.assign(u.toString());
}

const PHONE = /^1[3-9]\d{9}$/;

/** The three steps: date + tickets → slot + visitors → review, hold and pay. */
export function Book({
  area,
  today,
  go,
  admission,
}: {
  area: Area;
  today: string;
  go: (path: string) => void;
  admission: string | null;
}) {
  const { t, lang } = useUi();
  const [step, setStep] = useState<1 | 2 | 3>(1);
  const [date, setDate] = useState<string | null>(null);
  const [qty, setQty] = useState<Record<string, number>>({});
  const [slotId, setSlotId] = useState<string | null>(null);
  const [visitors, setVisitors] = useState<VisitorDraft[]>([]);
  const [phone, setPhone] = useState('');
  const [coupon, setCoupon] = useState('');
  const [order, setOrder] = useState<Order | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [reload, setReload] = useState(0);
  const [idemKey, setIdemKey] = useState(newKey);
  const dates = useMemo(() => Array.from({ length: CALENDAR_DAYS }, (_, i) => addDays(today, i)), [today]);
  const days = useAvailability(area.id, dates, reload);
  const day = date ? days[date] : undefined;
  const avail = day && !(day instanceof Error) ? day : null;
  const count = Object.values(qty).reduce((s, n) => s + n, 0);
  const total = area.products.reduce((s, p) => s + p.basePrice * (qty[p.id] ?? 0), 0);
  const saved = savedVisitors();

  // One visitor form per ticket, in product order; keep what was typed.
  useEffect(() => {
    setVisitors((prev) => {
      const out: VisitorDraft[] = [];
      for (const p of area.products) {
        const had = prev.filter((v) => v.productId === p.id);
        for (let i = 0; i < (qty[p.id] ?? 0); i++)
          out.push(had[i] ?? { productId: p.id, name: '', idType: 'cn_resident', idNumber: '' });
      }
      return out;
    });
  }, [qty, area]);

  const serverErrors = useMemo(() => {
    const m: Record<number, string> = {};
    if (!(error instanceof ApiError)) return m;
    // items.<li>.visitors.<vi>.idNumber → the visitor form it came from
    const lineOf = area.products.filter((p) => (qty[p.id] ?? 0) > 0).map((p) => p.id);
    for (const e of error.errors) {
      const x = /^items\.(\d+)\.visitors\.(\d+)/.exec(e.path);
      if (!x) continue;
      const pid = lineOf[Number(x[1])];
      let seen = 0;
      visitors.forEach((v, i) => {
        if (v.productId === pid && seen++ === Number(x[2])) m[i] = e.message;
      });
    }
    return m;
  }, [error, area, qty, visitors]);

  const visitorsOk =
    visitors.length > 0 && visitors.every((v) => v.name.trim() && v.idNumber.trim() && !idProblem(v));
  const phoneOk = !phone || PHONE.test(phone);

  const place = async () => {
    if (!date || !slotId) return;
    setBusy(true);
    setError(null);
    try {
      const items = area.products
        .filter((p) => (qty[p.id] ?? 0) > 0)
        .map((p) => ({
          productId: p.id,
          visitors: visitors
            .filter((v) => v.productId === p.id)
            .map(({ name, idType, idNumber }) => ({ name: name.trim(), idType, idNumber: idNumber.trim() })),
        }));
      // During a presale, stock is held through the waiting room's admission first.
      let holdId: string | undefined;
      if (admission) {
        const units = area.products.reduce((s, p) => s + p.persons * (qty[p.id] ?? 0), 0);
        holdId = (
          await api<{ holdId: string }>('/v1/presale/holds', {
            method: 'POST',
            headers: { 'x-admission-token': admission },
            body: { areaId: area.id, date, slotId, quantity: units },
          })
        ).holdId;
      }
      const o = await api<Order>('/v1/orders', {
        method: 'POST',
        idempotencyKey: idemKey,
        body: {
          areaId: area.id,
          date,
          slotId,
          items,
          ...(phone ? { contactPhone: phone } : {}),
          coupons: coupon ? [coupon.trim().toUpperCase()] : [],
          ...(holdId ? { holdId } : {}),
        },
      });
      saveOrder(o.id, { token: o.accessToken ?? null, order: o });
      rememberVisitors(
        visitors.map(({ name, idType, idNumber }) => ({
          name: name.trim(),
          idType,
          idNumber: idNumber.trim(),
        })),
      );
      setOrder(o);
    } catch (e) {
      setError(e as Error);
      setIdemKey(newKey());
      if (e instanceof ApiError && e.status === 409) setReload((r) => r + 1);
    } finally {
      setBusy(false);
    }
  };

  const pay = async () => {
    if (!order) return;
    setBusy(true);
    setError(null);
    try {
      const p = await api<PaymentStart>(`/v1/orders/${order.id}/payments`, {
        method: 'POST',
        orderToken: order.accessToken ?? null,
      });
      payAndReturn(p, order.id);
    } catch (e) {
      setError(e as Error);
      setBusy(false);
    }
  };

  const header = (
    <div class="steps" aria-label={fmt(t.step, { n: step })}>
      {[1, 2, 3].map((n) => (
        <span
          key={n}
          class={n === step ? 'on' : n < step ? 'done' : ''}
          aria-current={n === step ? 'step' : undefined}
        >
          {n}
        </span>
      ))}
      <h2>{step === 1 ? t.step1 : step === 2 ? t.step2 : t.step3}</h2>
    </div>
  );

  const errorBox = error ? (
    <Notice kind="error">
      {fmt(t.error, { msg: error instanceof ApiError ? `${error.message} (${error.code})` : error.message })}
    </Notice>
  ) : null;

  if (step === 1)
    return (
      <section data-testid="step1">
        {header}
        <Calendar today={today} days={days} selected={date} onPick={(d) => (setDate(d), setSlotId(null))} />
        <h3>{area.name}</h3>
        <ul class="products">
          {area.products.map((p) => (
            <li key={p.id}>
              <div>
                <strong>{p.name}</strong>
                <span class="muted">
                  {money(p.basePrice, p.currency)}
                  {p.persons > 1 ? ` · ${fmt(t.persons, { n: p.persons })}` : ''}
                </span>
              </div>
              <div class="stepper">
                <button
                  type="button"
                  aria-label={`− ${p.name}`}
                  disabled={!qty[p.id]}
                  onClick={() => setQty({ ...qty, [p.id]: Math.max(0, (qty[p.id] ?? 0) - 1) })}
                >
                  −
                </button>
                <label class="sr-only" for={`q-${p.id}`}>
                  {fmt(t.quantity, { name: p.name })}
                </label>
                <input
                  id={`q-${p.id}`}
                  type="number"
                  inputMode="numeric"
                  min={0}
                  max={20}
                  value={qty[p.id] ?? 0}
                  onInput={(e) =>
                    setQty({ ...qty, [p.id]: Math.max(0, Math.min(20, Number(e.currentTarget.value) || 0)) })
                  }
                />
                <button
                  type="button"
                  aria-label={`+ ${p.name}`}
                  onClick={() => setQty({ ...qty, [p.id]: Math.min(20, (qty[p.id] ?? 0) + 1) })}
                >
                  +
                </button>
              </div>
            </li>
          ))}
        </ul>
        <div class="bar">
          <span>
            {t.total} <strong>{money(total)}</strong>
          </span>
          <button type="button" class="primary" disabled={!date || !count} onClick={() => setStep(2)}>
            {date ? t.next : t.noDate}
          </button>
        </div>
      </section>
    );

  if (step === 2)
    return (
      <section data-testid="step2">
        {header}
        <fieldset class="slots">
          <legend>{t.slot}</legend>
          {(avail?.slots ?? []).map((s) => (
            <label
              key={s.slotId}
              class={`slot${s.soldOut || s.remaining < count ? ' off' : ''}${slotId === s.slotId ? ' selected' : ''}`}
            >
              <input
                type="radio"
                name="slot"
                value={s.slotId}
                checked={slotId === s.slotId}
                disabled={s.soldOut || s.remaining < count}
                onChange={() => setSlotId(s.slotId)}
              />
              <span class="time">
                {s.startsAt}–{s.endsAt}
              </span>
              <span class="left">{s.soldOut ? t.soldOut : fmt(t.remaining, { n: s.remaining })}</span>
            </label>
          ))}
        </fieldset>
        <h3>{t.visitors}</h3>
        {saved.length > 0 && (
          <div class="saved" role="group" aria-label={t.savedVisitors}>
            {saved.map((s) => (
              <button
                type="button"
                class="chip"
                key={s.idNumber}
                disabled={visitors.some((v) => v.idNumber === s.idNumber)}
                onClick={() => {
                  const i = visitors.findIndex((v) => !v.name && !v.idNumber);
                  if (i >= 0)
                    setVisitors(
                      visitors.map((v, j) =>
                        j === i
                          ? {
                              ...v,
                              name: s.name,
                              idType: s.idType as VisitorDraft['idType'],
                              idNumber: s.idNumber,
                            }
                          : v,
                      ),
                    );
                }}
              >
                {fmt(t.useSaved, { name: s.name })}
              </button>
            ))}
          </div>
        )}
        {visitors.map((v, i) => (
          <VisitorFields
            key={i}
            n={i + 1}
            title={`${fmt(t.visitor, { n: i + 1 })} · ${area.products.find((p) => p.id === v.productId)?.name ?? ''}`}
            v={v}
            serverError={serverErrors[i]}
            onChange={(nv) => setVisitors(visitors.map((x, j) => (j === i ? nv : x)))}
          />
        ))}
        <label for="phone">{t.phone}</label>
        <input
          id="phone"
          type="tel"
          inputMode="numeric"
          autocomplete="tel-national"
          maxLength={11}
          value={phone}
          aria-invalid={phoneOk ? 'false' : 'true'}
          aria-describedby="phone-msg"
          onInput={(e) => setPhone(e.currentTarget.value.trim())}
        />
        <p id="phone-msg" class={`field-msg ${phoneOk ? '' : 'bad'}`}>
          {phoneOk ? '\u00a0' : t.phoneBad}
        </p>
        {errorBox}
        <div class="bar">
          <button type="button" onClick={() => setStep(1)}>
            {t.back}
          </button>
          <button
            type="button"
            class="primary"
            disabled={!slotId || !visitorsOk || !phoneOk}
            onClick={() => setStep(3)}
          >
            {t.next}
          </button>
        </div>
      </section>
    );

  const slot = area.slots.find((s) => s.id === slotId);
  return (
    <section data-testid="step3">
      {header}
      <dl class="summary">
        <dt>{t.date}</dt>
        <dd>{date}</dd>
        <dt>{t.slot}</dt>
        <dd>{slot ? `${slot.startsAt}–${slot.endsAt}` : ''}</dd>
        {area.products
          .filter((p) => qty[p.id])
          .map((p) => (
            <Fragment key={p.id}>
              <dt>{p.name}</dt>
              <dd>
                {qty[p.id]} × {money(p.basePrice, p.currency)}
              </dd>
            </Fragment>
          ))}
        <dt>{t.visitors}</dt>
        <dd>{visitors.map((v) => v.name).join('、')}</dd>
      </dl>
      {!order && (
        <>
          <label for="coupon">{t.coupon}</label>
          <input
            id="coupon"
            autocomplete="off"
            autocapitalize="characters"
            maxLength={32}
            value={coupon}
            onInput={(e) => setCoupon(e.currentTarget.value)}
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
          <button type="button" onClick={() => (setStep(2), setError(null))} disabled={busy}>
            {t.back}
          </button>
        )}
        {!order ? (
          <button type="button" class="primary" disabled={busy} onClick={() => void place()}>
            {t.placeOrder} · {money(total)}
          </button>
        ) : (
          <button type="button" class="primary" disabled={busy} onClick={() => void pay()}>
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
