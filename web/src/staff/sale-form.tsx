import type { Area, DayAvailability, PaymentMethod } from '../lib/api.js';
import { fmt, money } from '../lib/i18n.js';
import { Notice } from '../lib/ui.js';
import { VisitorFields } from '../visitor/visitor-fields.js';
import { useT } from './i18n.js';
import { checkDraft, type SaleDraft } from './sale-draft.js';

const PAY_METHODS: readonly PaymentMethod[] = ['cash', 'card', 'qr'];

/** The walk-up sale form: product, quantity, today's slot, visitors, how the visitor pays. */
export function SaleForm({
  area,
  day,
  draft,
  onDraft,
  busy,
  error,
  onSell,
}: {
  area: Area;
  day: DayAvailability | null;
  draft: SaleDraft;
  onDraft: (patch: Partial<SaleDraft>) => void;
  busy: boolean;
  error: string | null;
  onSell: () => void;
}) {
  const t = useT();
  const { product, total, cashOk, ok } = checkDraft(area, draft);
  const { qty, method } = draft;
  return (
    <section data-testid="box-office">
      <label for="bo-product">{t.product}</label>
      <select
        id="bo-product"
        value={draft.productId}
        onChange={(e) => onDraft({ productId: e.currentTarget.value })}
      >
        {area.products.map((p) => (
          <option key={p.id} value={p.id}>
            {p.name} · {money(p.basePrice, p.currency)}
          </option>
        ))}
      </select>
      <label for="bo-qty">{t.quantity}</label>
      <input
        id="bo-qty"
        type="number"
        inputMode="numeric"
        min={1}
        max={20}
        value={qty}
        onInput={(e) => onDraft({ qty: Math.max(1, Math.min(20, Number(e.currentTarget.value) || 1)) })}
      />
      <label for="bo-slot">{t.slot}</label>
      <select id="bo-slot" value={draft.slotId} onChange={(e) => onDraft({ slotId: e.currentTarget.value })}>
        {!day?.slots.some((s) => !s.soldOut) && <option value="">{t.noSlot}</option>}
        {(day?.slots ?? []).map((s) => (
          <option key={s.slotId} value={s.slotId} disabled={s.remaining < qty}>
            {s.startsAt}–{s.endsAt} · {s.remaining}
          </option>
        ))}
      </select>
      {draft.visitors.map((v, i) => (
        <VisitorFields
          key={i}
          n={i + 1}
          title={fmt(t.visitor, { n: i + 1 })}
          v={v}
          onChange={(nv) => onDraft({ visitors: draft.visitors.map((x, j) => (j === i ? nv : x)) })}
        />
      ))}
      <fieldset class="pay-methods">
        <legend>{t.payment}</legend>
        {PAY_METHODS.map((m) => (
          <label key={m} class="choice">
            <input
              type="radio"
              name="bo-pay"
              value={m}
              checked={method === m}
              onChange={() => onDraft({ method: m })}
            />{' '}
            {t[m]}
          </label>
        ))}
      </fieldset>
      {method === 'cash' && (
        <>
          <label for="bo-tendered">{t.tendered}</label>
          <input
            id="bo-tendered"
            inputMode="decimal"
            autocomplete="off"
            value={draft.tendered}
            onInput={(e) => onDraft({ tendered: e.currentTarget.value })}
            aria-invalid={!cashOk}
          />
          {!cashOk && <Notice kind="error">{t.notEnough}</Notice>}
        </>
      )}
      {method === 'card' && (
        <>
          <label for="bo-card-ref">{t.cardRef}</label>
          <input
            id="bo-card-ref"
            autocomplete="off"
            maxLength={64}
            value={draft.cardRef}
            onInput={(e) => onDraft({ cardRef: e.currentTarget.value })}
          />
        </>
      )}
      {error && <Notice kind="error">{error}</Notice>}
      <button type="button" class="primary" disabled={busy || !ok} onClick={onSell}>
        {t.sell} · {product ? money(total, product.currency) : ''}
      </button>
    </section>
  );
}
