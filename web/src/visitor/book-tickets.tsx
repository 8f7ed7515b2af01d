import type { ComponentChildren } from 'preact';
import type { Dispatch } from 'preact/hooks';
import type { Area, PricedDay, Product } from '../lib/api.js';
import { fmt, money } from '../lib/i18n.js';
import { useUi } from '../lib/ui.js';
import { Calendar } from './calendar.js';
import { listTotal, MAX_QTY, ticketCount, type BookAction, type BookState } from './book-state.js';

/** Step 1: the day on the calendar and how many tickets of each product. */
export function TicketsStep({
  area,
  today,
  days,
  s,
  dispatch,
  header,
}: {
  area: Area;
  today: string;
  days: Record<string, PricedDay | Error>;
  s: BookState;
  dispatch: Dispatch<BookAction>;
  header: ComponentChildren;
}) {
  const { t } = useUi();
  return (
    <section data-testid="step1">
      {header}
      <Calendar
        today={today}
        days={days}
        selected={s.date}
        onPick={(date) => dispatch({ type: 'date', date })}
        productIds={Object.keys(s.qty).filter((id) => (s.qty[id] ?? 0) > 0)}
      />
      <h3>{area.name}</h3>
      <ul class="products">
        {area.products.map((p) => (
          <ProductRow
            key={p.id}
            p={p}
            n={s.qty[p.id] ?? 0}
            onQty={(n) => dispatch({ type: 'qty', productId: p.id, n, products: area.products })}
          />
        ))}
      </ul>
      <div class="bar">
        <span>
          {t.total} <strong>{money(listTotal(area, s))}</strong>
        </span>
        <button
          type="button"
          class="primary"
          disabled={!s.date || !ticketCount(s)}
          onClick={() => dispatch({ type: 'step', step: 2 })}
        >
          {s.date ? t.next : t.noDate}
        </button>
      </div>
    </section>
  );
}

/** One product with its price and a − n + stepper (the reducer bounds n to 0…MAX_QTY). */
function ProductRow({ p, n, onQty }: { p: Product; n: number; onQty: (n: number) => void }) {
  const { t, lang } = useUi();
  return (
    <li>
      <div>
        <strong>{p.name}</strong>
        <span class="muted">
          {money(p.basePrice, p.currency)}
          {p.persons > 1 ? ` · ${fmt(t.persons, { n: p.persons })}` : ''}
        </span>
        {/* the product's refund and reschedule policy, before purchase: what every channel enforces */}
        <small class="policy" data-policy={p.id}>
          {p.policy.summary[lang]}
        </small>
      </div>
      <div class="stepper">
        <button type="button" aria-label={`− ${p.name}`} disabled={!n} onClick={() => onQty(n - 1)}>
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
          max={MAX_QTY}
          value={n}
          onInput={(e) => onQty(Number(e.currentTarget.value) || 0)}
        />
        <button type="button" aria-label={`+ ${p.name}`} onClick={() => onQty(n + 1)}>
          +
        </button>
      </div>
    </li>
  );
}
