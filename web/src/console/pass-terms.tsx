import { useEffect, useState } from 'preact/hooks';
import { Notice, useUi } from '../lib/ui.js';
import { useFetch } from '../lib/use-fetch.js';
import { call } from './client.js';
import { errorUnder, fieldErrors, FieldMsg, intOf, listOf, refusalText, TextField } from './field-errors.js';
import type { AdminProduct } from './products.js';

/** `GET|PUT /v1/admin/areas/:areaId/products/:productId/pass` (core/passes/model.ts PassTerms). */
interface PassTerms {
  validityDays: number;
  entryRule: 'once_a_day' | 'unlimited';
  blackoutDates: string[];
  busy: { dates: string[]; weekdays: number[] };
  priorityLane: boolean;
  usedRefund: 'pro_rata' | 'none';
}

const TEXT = {
  zh: {
    title: '年卡规则',
    none: '先在"票种"中添加类型为 annual_pass 的票种（含价格）。',
    product: '年卡票种',
    validity: '有效天数',
    entry: '入园规则',
    once: '每天一次',
    unlimited: '不限次数',
    blackout: '不可用日期（逗号分隔，YYYY-MM-DD）',
    busyDates: '高峰日（需预约免费时段）',
    busyWeekdays: '每周高峰日（0=周日 … 6=周六）',
    priority: '优先通道',
    usedRefund: '使用后退款',
    proRata: '按未用天数',
    noRefund: '不退',
    save: '保存年卡规则',
    saved: '已保存 {id} 的年卡规则',
  },
  en: {
    title: 'Annual pass terms',
    none: 'First add a product of kind annual_pass (with its price) under Products.',
    product: 'Pass product',
    validity: 'Validity (days)',
    entry: 'Entry rule',
    once: 'Once a day',
    unlimited: 'Unlimited',
    blackout: 'Blackout dates (comma-separated, YYYY-MM-DD)',
    busyDates: 'Busy days (a free slot booking needed)',
    busyWeekdays: 'Busy weekdays (0 = Sunday … 6 = Saturday)',
    priority: 'Priority lane',
    usedRefund: 'Refund once used',
    proRata: 'The days not begun',
    noRefund: 'None',
    save: 'Save pass terms',
    saved: 'Saved the pass terms of {id}',
  },
};

interface Form {
  validityDays: string;
  entryRule: PassTerms['entryRule'];
  blackout: string;
  busyDates: string;
  busyWeekdays: string;
  priorityLane: boolean;
  usedRefund: PassTerms['usedRefund'];
}
const formOf = (t: PassTerms): Form => ({
  validityDays: String(t.validityDays),
  entryRule: t.entryRule,
  blackout: t.blackoutDates.join(', '),
  busyDates: t.busy.dates.join(', '),
  busyWeekdays: t.busy.weekdays.join(', '),
  priorityLane: t.priorityLane,
  usedRefund: t.usedRefund,
});

/**
 * The terms of the area's annual-pass products (issue 18): validity, entry rule, blackout
 * and busy days, priority lane, refund once used. The price is the product's (Products).
 * The server validates and answers each refused field, shown under it.
 */
export function PassTermsPanel({ areaId, products }: { areaId: string; products: AdminProduct[] }) {
  const x = TEXT[useUi().lang];
  const passes = products.filter((p) => p.kind === 'annual_pass' && p.active);
  const [productId, setProductId] = useState('');
  const pid = productId || passes[0]?.id || '';
  const terms = useFetch<PassTerms>(pid ? `/v1/admin/areas/${areaId}/products/${pid}/pass` : null);
  const [f, setF] = useState<Form | null>(null);
  const [errs, setErrs] = useState<Record<string, string>>({});
  const [note, setNote] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  useEffect(() => {
    if (terms.data) setF(formOf(terms.data));
  }, [terms.data]);
  if (!passes.length)
    return (
      <section class="panel" data-testid="pass-terms">
        <h3>{x.title}</h3>
        <p class="muted">{x.none}</p>
      </section>
    );
  const set = (patch: Partial<Form>) => f && setF({ ...f, ...patch });
  const save = async () => {
    if (!f) return;
    setErrs({});
    setNote(null);
    try {
      await call(`/v1/admin/areas/${areaId}/products/${pid}/pass`, {
        method: 'PUT',
        body: {
          validityDays: intOf(f.validityDays),
          entryRule: f.entryRule,
          blackoutDates: listOf(f.blackout),
          busy: { dates: listOf(f.busyDates), weekdays: listOf(f.busyWeekdays).map(Number) },
          priorityLane: f.priorityLane,
          usedRefund: f.usedRefund,
        },
      });
      setNote({ kind: 'ok', text: x.saved.replace('{id}', pid) });
      terms.reload();
    } catch (e) {
      setErrs(fieldErrors(e));
      setNote({ kind: 'error', text: refusalText(e, 'Correct the fields marked above.') });
    }
  };
  return (
    <form class="panel" data-testid="pass-terms" onSubmit={(e) => (e.preventDefault(), void save())}>
      <h3>{x.title}</h3>
      <label for="pt-product">{x.product}</label>
      <select id="pt-product" value={pid} onChange={(e) => (setProductId(e.currentTarget.value), setF(null))}>
        {passes.map((p) => (
          <option key={p.id} value={p.id}>
            {p.name} ({p.id})
          </option>
        ))}
      </select>
      {f && (
        <div class="grid">
          <div>
            <TextField
              id="pt-validity"
              label={x.validity}
              value={f.validityDays}
              onValue={(v) => set({ validityDays: v })}
              msg={errs.validityDays}
            />
          </div>
          <div>
            <label for="pt-entry">{x.entry}</label>
            <select
              id="pt-entry"
              value={f.entryRule}
              onChange={(e) => set({ entryRule: e.currentTarget.value as Form['entryRule'] })}
            >
              <option value="once_a_day">{x.once}</option>
              <option value="unlimited">{x.unlimited}</option>
            </select>
          </div>
          <div>
            <TextField
              id="pt-blackout"
              label={x.blackout}
              value={f.blackout}
              onValue={(v) => set({ blackout: v })}
              msg={errorUnder(errs, 'blackoutDates')}
            />
          </div>
          <div>
            <TextField
              id="pt-busy"
              label={x.busyDates}
              value={f.busyDates}
              onValue={(v) => set({ busyDates: v })}
              msg={errorUnder(errs, 'busy.dates')}
            />
          </div>
          <div>
            <TextField
              id="pt-weekdays"
              label={x.busyWeekdays}
              value={f.busyWeekdays}
              onValue={(v) => set({ busyWeekdays: v })}
              msg={errorUnder(errs, 'busy.weekdays')}
            />
          </div>
          <div>
            <label for="pt-refund">{x.usedRefund}</label>
            <select
              id="pt-refund"
              value={f.usedRefund}
              onChange={(e) => set({ usedRefund: e.currentTarget.value as Form['usedRefund'] })}
            >
              <option value="pro_rata">{x.proRata}</option>
              <option value="none">{x.noRefund}</option>
            </select>
          </div>
          <div>
            <label class="check">
              <input
                type="checkbox"
                checked={f.priorityLane}
                onChange={(e) => set({ priorityLane: e.currentTarget.checked })}
              />{' '}
              {x.priority}
            </label>
            <FieldMsg id="pt-priority-msg" msg={errs.priorityLane} />
          </div>
        </div>
      )}
      {note && <Notice kind={note.kind}>{note.text}</Notice>}
      <button type="submit" class="primary" disabled={!f}>
        {x.save}
      </button>
    </form>
  );
}
