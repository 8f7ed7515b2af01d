import { useState } from 'preact/hooks';
import { Notice, useUi } from '../lib/ui.js';
import { useFetch } from '../lib/use-fetch.js';
import { call, yuan } from './client.js';
import { errorUnder, fenOf, fieldErrors, FieldMsg, intOf, refusalText, TextField } from './field-errors.js';
import type { AdminProduct } from './products.js';

/** `GET /v1/admin/areas/:areaId/combo-components` (core/combos/store.ts), as far as this screen reads it. */
interface Component {
  id: string;
  name: string;
  kind: string;
  productIds: string[];
  value: number;
  sessions: { id: string; startsAt: string; capacity: number }[];
  active: boolean;
}

const KINDS = ['bus', 'show', 'meal', 'other'] as const;

const TEXT = {
  zh: {
    title: '套票组成部分',
    none: '先在"票种"中添加类型为 combo 的票种。',
    id: '编号',
    name: '名称',
    kind: '类型',
    products: '所属套票',
    value: '未使用可退金额（元/张）',
    sessions: '场次',
    sessionId: '场次编号',
    startsAt: '开始时间 HH:MM',
    capacity: '座位数',
    addSession: '添加场次',
    removeSession: '删除场次',
    save: '保存组成部分',
    saved: '已保存 {id}',
    refundRule: '已使用的不可退',
  },
  en: {
    title: 'Combo components',
    none: 'First add a product of kind combo under Products.',
    id: 'Id',
    name: 'Name',
    kind: 'Kind',
    products: 'In the combos',
    value: 'Refund when unused (¥ per ticket)',
    sessions: 'Sessions',
    sessionId: 'Session id',
    startsAt: 'Starts HH:MM',
    capacity: 'Seats',
    addSession: 'Add a session',
    removeSession: 'Remove session',
    save: 'Save the component',
    saved: 'Saved {id}',
    refundRule: 'a used one is not refundable',
  },
};

interface Row {
  id: string;
  startsAt: string;
  capacity: string;
}
const emptyForm = () => ({
  id: '',
  name: '',
  kind: 'bus' as (typeof KINDS)[number],
  productIds: [] as string[],
  value: '',
  sessions: [{ id: '', startsAt: '', capacity: '' }] as Row[],
});

/**
 * The area's combo components (issue 18): each with the combo products it belongs to, its
 * daily sessions and their seats, and what an unused one refunds (a used one refunds
 * nothing). `PUT …/combo-components/:id`; the server's refusals show under their fields.
 */
export function ComboComponentsPanel({ areaId, products }: { areaId: string; products: AdminProduct[] }) {
  const x = TEXT[useUi().lang];
  const combos = products.filter((p) => p.kind === 'combo' && p.active);
  const list = useFetch<{ items: Component[] }>(`/v1/admin/areas/${areaId}/combo-components`);
  const [f, setF] = useState(emptyForm);
  const [errs, setErrs] = useState<Record<string, string>>({});
  const [note, setNote] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const row = (i: number, patch: Partial<Row>) =>
    setF({ ...f, sessions: f.sessions.map((r, j) => (j === i ? { ...r, ...patch } : r)) });
  const save = async () => {
    setErrs({});
    setNote(null);
    const id = f.id.trim();
    if (!id) return setErrs({ id: 'required' });
    try {
      await call(`/v1/admin/areas/${areaId}/combo-components/${encodeURIComponent(id)}`, {
        method: 'PUT',
        body: {
          name: f.name.trim(),
          kind: f.kind,
          productIds: f.productIds,
          value: fenOf(f.value),
          sessions: f.sessions.map((r) => ({
            id: r.id.trim(),
            startsAt: r.startsAt.trim(),
            capacity: intOf(r.capacity),
          })),
        },
      });
      setNote({ kind: 'ok', text: x.saved.replace('{id}', id) });
      setF(emptyForm());
      list.reload();
    } catch (e) {
      setErrs(fieldErrors(e));
      setNote({ kind: 'error', text: refusalText(e, 'Correct the fields marked above.') });
    }
  };
  if (!combos.length)
    return (
      <section class="panel" data-testid="combo-components">
        <h3>{x.title}</h3>
        <p class="muted">{x.none}</p>
      </section>
    );
  return (
    <form class="panel" data-testid="combo-components" onSubmit={(e) => (e.preventDefault(), void save())}>
      <h3>{x.title}</h3>
      <ul class="rows">
        {(list.data?.items ?? []).map((c) => (
          <li key={c.id} data-component={c.id}>
            <div>
              <strong>{c.name}</strong> <span class="muted">{c.id}</span>
              <div class="muted">
                {c.kind} · {c.productIds.join(', ')} ·{' '}
                {c.sessions.map((s) => `${s.startsAt} (${s.capacity})`).join(' ')} · {yuan(c.value)} (
                {x.refundRule})
              </div>
            </div>
          </li>
        ))}
      </ul>
      <div class="grid">
        <div>
          <TextField
            id="cc-id"
            label={x.id}
            value={f.id}
            onValue={(v) => setF({ ...f, id: v })}
            msg={errs.id}
          />
        </div>
        <div>
          <TextField
            id="cc-name"
            label={x.name}
            value={f.name}
            onValue={(v) => setF({ ...f, name: v })}
            msg={errs.name}
          />
        </div>
        <div>
          <label for="cc-kind">{x.kind}</label>
          <select
            id="cc-kind"
            value={f.kind}
            onChange={(e) => setF({ ...f, kind: e.currentTarget.value as (typeof KINDS)[number] })}
          >
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </div>
        <div>
          <TextField
            id="cc-value"
            label={x.value}
            value={f.value}
            onValue={(v) => setF({ ...f, value: v })}
            msg={errs.value}
          />
        </div>
      </div>
      <fieldset aria-describedby="cc-products-msg">
        <legend>{x.products}</legend>
        {combos.map((p) => (
          <label key={p.id} class="check">
            <input
              type="checkbox"
              value={p.id}
              checked={f.productIds.includes(p.id)}
              onChange={(e) =>
                setF({
                  ...f,
                  productIds: e.currentTarget.checked
                    ? [...f.productIds, p.id]
                    : f.productIds.filter((id) => id !== p.id),
                })
              }
            />{' '}
            {p.name} ({p.id})
          </label>
        ))}
        <FieldMsg id="cc-products-msg" msg={errorUnder(errs, 'productIds')} />
      </fieldset>
      <fieldset aria-describedby="cc-sessions-msg">
        <legend>{x.sessions}</legend>
        {f.sessions.map((r, i) => (
          <div class="grid session-row" key={i}>
            <div>
              <TextField
                id={`cc-s${i}-id`}
                label={x.sessionId}
                value={r.id}
                onValue={(v) => row(i, { id: v })}
                msg={errorUnder(errs, `sessions.${i}.id`)}
              />
            </div>
            <div>
              <TextField
                id={`cc-s${i}-at`}
                label={x.startsAt}
                value={r.startsAt}
                onValue={(v) => row(i, { startsAt: v })}
                msg={errorUnder(errs, `sessions.${i}.startsAt`)}
              />
            </div>
            <div>
              <TextField
                id={`cc-s${i}-cap`}
                label={x.capacity}
                value={r.capacity}
                onValue={(v) => row(i, { capacity: v })}
                msg={errorUnder(errs, `sessions.${i}.capacity`)}
              />
            </div>
            {f.sessions.length > 1 && (
              <div class="end">
                <button
                  type="button"
                  onClick={() => setF({ ...f, sessions: f.sessions.filter((_, j) => j !== i) })}
                >
                  {x.removeSession}
                </button>
              </div>
            )}
          </div>
        ))}
        <FieldMsg id="cc-sessions-msg" msg={errs.sessions} />
        <button
          type="button"
          onClick={() => setF({ ...f, sessions: [...f.sessions, { id: '', startsAt: '', capacity: '' }] })}
        >
          {x.addSession}
        </button>
      </fieldset>
      {note && <Notice kind={note.kind}>{note.text}</Notice>}
      <button type="submit" class="primary">
        {x.save}
      </button>
    </form>
  );
}
