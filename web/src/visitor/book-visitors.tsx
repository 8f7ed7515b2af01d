import type { ComponentChildren } from 'preact';
import type { Dispatch } from 'preact/hooks';
import type { Area, PricedDay, SlotPrice } from '../lib/api.js';
import { fmt, money } from '../lib/i18n.js';
import { savedVisitors } from '../lib/store.js';
import { useUi } from '../lib/ui.js';
import { ticketCount, visitorErrors, type BookAction, type BookState } from './book-state.js';
import { idProblem, VisitorFields } from './visitor-fields.js';
import { ComboSessions } from './combo-sessions.js';

const PHONE = /^1[3-9]\d{9}$/;

/** Step 2: the time slot, one real-name form per ticket (saved visitors one tap away), a phone. */
export function VisitorsStep({
  area,
  avail,
  s,
  dispatch,
  header,
  errorBox,
}: {
  area: Area;
  avail: PricedDay | null;
  s: BookState;
  dispatch: Dispatch<BookAction>;
  header: ComponentChildren;
  errorBox: ComponentChildren;
}) {
  const { t } = useUi();
  const serverErrors = visitorErrors(area, s);
  const visitorsOk =
    s.visitors.length > 0 && s.visitors.every((v) => v.name.trim() && v.idNumber.trim() && !idProblem(v));
  const phoneOk = !s.phone || PHONE.test(s.phone);
  return (
    <section data-testid="step2">
      {header}
      <SlotPicker area={area} avail={avail} s={s} dispatch={dispatch} />
      <ComboSessions area={area} s={s} dispatch={dispatch} />
      <h3>{t.visitors}</h3>
      <SavedVisitors s={s} dispatch={dispatch} />
      {s.visitors.map((v, i) => (
        <VisitorFields
          key={i}
          n={i + 1}
          title={`${fmt(t.visitor, { n: i + 1 })} · ${area.products.find((p) => p.id === v.productId)?.name ?? ''}`}
          v={v}
          serverError={serverErrors[i]}
          onChange={(visitor) => dispatch({ type: 'visitor', index: i, visitor })}
        />
      ))}
      <label for="phone">{t.phone}</label>
      <input
        id="phone"
        type="tel"
        inputMode="numeric"
        autocomplete="tel-national"
        maxLength={11}
        value={s.phone}
        aria-invalid={phoneOk ? 'false' : 'true'}
        aria-describedby="phone-msg"
        onInput={(e) => dispatch({ type: 'phone', phone: e.currentTarget.value.trim() })}
      />
      <p id="phone-msg" class={`field-msg ${phoneOk ? '' : 'bad'}`}>
        {phoneOk ? '\u00a0' : t.phoneBad}
      </p>
      {errorBox}
      <div class="bar">
        <button type="button" onClick={() => dispatch({ type: 'step', step: 1 })}>
          {t.back}
        </button>
        <button
          type="button"
          class="primary"
          disabled={!s.slotId || !visitorsOk || !phoneOk}
          onClick={() => dispatch({ type: 'step', step: 3 })}
        >
          {t.next}
        </button>
      </div>
    </section>
  );
}

/** The day's slots with what is left; one with fewer places than tickets cannot be picked. */
function SlotPicker({
  area,
  avail,
  s,
  dispatch,
}: {
  area: Area;
  avail: PricedDay | null;
  s: BookState;
  dispatch: Dispatch<BookAction>;
}) {
  const { t } = useUi();
  const count = ticketCount(s);
  return (
    <fieldset class="slots">
      <legend>{t.slot}</legend>
      {(avail?.slots ?? []).map((x) => (
        <label
          key={x.slotId}
          class={`slot${x.soldOut || x.remaining < count ? ' off' : ''}${s.slotId === x.slotId ? ' selected' : ''}`}
        >
          <input
            type="radio"
            name="slot"
            value={x.slotId}
            checked={s.slotId === x.slotId}
            disabled={x.soldOut || x.remaining < count}
            onChange={() => dispatch({ type: 'slot', slotId: x.slotId })}
          />
          <span class="time">
            {x.startsAt}–{x.endsAt}
          </span>
          <span class="left">{x.soldOut ? t.soldOut : fmt(t.remaining, { n: x.remaining })}</span>
          <SlotPrices area={area} prices={x.prices ?? []} s={s} />
        </label>
      ))}
    </fieldset>
  );
}

/**
 * The prices of the chosen products in this slot where they move with the crowd forecast
 * (issue 22): as the availability API quotes them, which is what the hold charges.
 */
function SlotPrices({ area, prices, s }: { area: Area; prices: SlotPrice[]; s: BookState }) {
  const moving = prices.filter((p) => p.dynamic && (s.qty[p.productId] ?? 0) > 0);
  if (!moving.length) return null;
  const name = (id: string) => area.products.find((p) => p.id === id)?.name ?? id;
  return (
    <span class="slot-prices" data-testid="slot-prices">
      {moving.map((p) => (
        <span key={p.productId} data-price={p.unitPrice}>
          {moving.length > 1 ? `${name(p.productId)} ` : ''}
          {money(p.unitPrice)}
        </span>
      ))}
    </span>
  );
}

/** Visitors saved on this phone, as chips that fill the first empty form. */
function SavedVisitors({ s, dispatch }: { s: BookState; dispatch: Dispatch<BookAction> }) {
  const { t } = useUi();
  const saved = savedVisitors();
  if (saved.length === 0) return null;
  return (
    <div class="saved" role="group" aria-label={t.savedVisitors}>
      {saved.map((v) => (
        <button
          type="button"
          class="chip"
          key={v.idNumber}
          disabled={s.visitors.some((x) => x.idNumber === v.idNumber)}
          onClick={() => dispatch({ type: 'useSaved', saved: v })}
        >
          {fmt(t.useSaved, { name: v.name })}
        </button>
      ))}
    </div>
  );
}
