import { useEffect, useMemo, useReducer } from 'preact/hooks';
import type { Dispatch } from 'preact/hooks';
import { api, ApiError, newKey, type Area, type Order, type PaymentStart } from '../lib/api.js';
import { addDays } from '../lib/dates.js';
import { fmt } from '../lib/i18n.js';
import { rememberVisitors, saveOrder } from '../lib/store.js';
import { Notice, useUi } from '../lib/ui.js';
import { CALENDAR_DAYS, useAvailability } from './calendar.js';
import {
  bookReducer,
  initialBook,
  orderBody,
  presaleUnits,
  type BookAction,
  type BookState,
} from './book-state.js';
import { TicketsStep } from './book-tickets.js';
import { VisitorsStep } from './book-visitors.js';
import { ReviewStep } from './book-review.js';
import { payAndReturn } from './pay.js';
import { deviceId } from './waiting-room.js';
import { PassSale } from './pass-sale.js';
import { JointSale } from './joint-sale.js';

/** Holds the stock (through the waiting room's admission during a presale), then writes the order. */
async function placeOrder(area: Area, s: BookState, admission: string | null): Promise<Order> {
  let holdId: string | undefined;
  if (admission && s.date && s.slotId)
    holdId = (
      await api<{ holdId: string }>('/v1/presale/holds', {
        method: 'POST',
        headers: { 'x-admission-token': admission, 'x-device-id': deviceId() },
        body: { areaId: area.id, date: s.date, slotId: s.slotId, quantity: presaleUnits(area, s) },
      })
    ).holdId;
  return api<Order>('/v1/orders', {
    method: 'POST',
    idempotencyKey: s.idemKey,
    headers: { 'x-device-id': deviceId() },
    body: orderBody(area, s, holdId),
  });
}

/** The buttons' two requests: place the order (hold), then pay it at the gateway. */
function useCheckout(area: Area, s: BookState, dispatch: Dispatch<BookAction>, admission: string | null) {
  const place = async () => {
    if (!s.date || !s.slotId) return;
    dispatch({ type: 'sending' });
    try {
      const o = await placeOrder(area, s, admission);
      saveOrder(o.id, { token: o.accessToken ?? null, order: o });
      rememberVisitors(
        s.visitors.map(({ name, idType, idNumber }) => ({
          name: name.trim(),
          idType,
          idNumber: idNumber.trim(),
        })),
      );
      dispatch({ type: 'placed', order: o });
    } catch (e) {
      dispatch({ type: 'placeFailed', error: e as Error, nextKey: newKey() });
    }
  };
  const pay = async () => {
    if (!s.order) return;
    dispatch({ type: 'sending' });
    try {
      const p = await api<PaymentStart>(`/v1/orders/${s.order.id}/payments`, {
        method: 'POST',
        orderToken: s.order.accessToken ?? null,
      });
      payAndReturn(p, s.order.id);
    } catch (e) {
      dispatch({ type: 'payFailed', error: e as Error });
    }
  };
  return { place, pay };
}

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
  const { t } = useUi();
  const [s, dispatch] = useReducer(bookReducer, undefined, () => initialBook(newKey()));
  const dates = useMemo(() => Array.from({ length: CALENDAR_DAYS }, (_, i) => addDays(today, i)), [today]);
  const days = useAvailability(area.id, dates, s.reload);
  // the area document may be replaced by a fresher copy: keep one form per ticket
  useEffect(() => dispatch({ type: 'products', products: area.products }), [area]);
  const { place, pay } = useCheckout(area, s, dispatch, admission);

  const header = (
    <div class="steps" aria-label={fmt(t.step, { n: s.step })}>
      {[1, 2, 3].map((n) => (
        <span
          key={n}
          class={n === s.step ? 'on' : n < s.step ? 'done' : ''}
          aria-current={n === s.step ? 'step' : undefined}
        >
          {n}
        </span>
      ))}
      <h2>{s.step === 1 ? t.step1 : s.step === 2 ? t.step2 : t.step3}</h2>
    </div>
  );
  const error = s.error;
  const errorBox = error ? (
    <Notice kind="error">
      {fmt(t.error, { msg: error instanceof ApiError ? `${error.message} (${error.code})` : error.message })}
    </Notice>
  ) : null;

  if (s.step === 1)
    return (
      <>
        <TicketsStep area={area} today={today} days={days} s={s} dispatch={dispatch} header={header} />
        <PassSale area={area} today={today} />
        <JointSale area={area} today={today} />
      </>
    );
  if (s.step === 2) {
    const day = s.date ? days[s.date] : undefined;
    const avail = day && !(day instanceof Error) ? day : null;
    return (
      <VisitorsStep area={area} avail={avail} s={s} dispatch={dispatch} header={header} errorBox={errorBox} />
    );
  }
  return (
    <ReviewStep
      area={area}
      s={s}
      dispatch={dispatch}
      header={header}
      errorBox={errorBox}
      go={go}
      onPlace={() => void place()}
      onPay={() => void pay()}
    />
  );
}
