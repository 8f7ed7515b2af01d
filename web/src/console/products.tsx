import { useState } from 'preact/hooks';
import { fmt } from '../lib/i18n.js';
import { Notice } from '../lib/ui.js';
import { useFetch } from '../lib/use-fetch.js';
import { call, yuan } from './client.js';
import { FieldMsg, fieldErrors } from './field-errors.js';
import { useT } from './i18n.js';

/** `GET /v1/admin/areas/:areaId/products` (core/catalog/products.ts). */
export interface AdminProduct {
  id: string;
  name: string;
  kind: string;
  basePrice: number;
  persons: number;
  active: boolean;
}

const KINDS = ['adult', 'child', 'senior', 'student', 'family', 'group', 'annual_pass', 'combo'];

/** The area's products: add one (errors next to the field), retire one. */
export function Products({ areaId }: { areaId: string }) {
  const t = useT();
  const list = useFetch<{ items: AdminProduct[] }>(`/v1/admin/areas/${areaId}/products`);
  const [form, setForm] = useState({ id: '', name: '', kind: 'adult', price: '' });
  const [errs, setErrs] = useState<Record<string, string>>({});
  const [note, setNote] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const set = (k: keyof typeof form) => (e: { currentTarget: { value: string } }) =>
    setForm({ ...form, [k]: e.currentTarget.value });
  const add = async () => {
    setErrs({});
    setNote(null);
    const price = Number(form.price);
    try {
      const p = await call<AdminProduct>(`/v1/admin/areas/${areaId}/products`, {
        method: 'POST',
        body: {
          id: form.id.trim(),
          name: form.name.trim(),
          kind: form.kind,
          basePrice: Number.isFinite(price) && form.price !== '' ? Math.round(price * 100) : -1,
        },
      });
      setNote({ kind: 'ok', text: fmt(t.created, { id: p.id }) });
      setForm({ id: '', name: '', kind: 'adult', price: '' });
      list.reload();
    } catch (e) {
      setErrs(fieldErrors(e));
      setNote({ kind: 'error', text: (e as Error).message });
    }
  };
  const retire = async (id: string) => {
    setNote(null);
    try {
      await call(`/v1/admin/areas/${areaId}/products/${id}/retire`, { method: 'POST' });
      list.reload();
    } catch (e) {
      setNote({ kind: 'error', text: (e as Error).message });
    }
  };
  const field = (k: 'id' | 'name', label: string, path = k) => (
    <div>
      <label for={`p-${k}`}>{label}</label>
      <input
        id={`p-${k}`}
        value={form[k]}
        aria-invalid={errs[path] ? 'true' : undefined}
        aria-describedby={`p-${k}-msg`}
        onInput={set(k)}
      />
      <FieldMsg id={`p-${k}-msg`} msg={errs[path]} />
    </div>
  );
  return (
    <section>
      <h2>{t.products}</h2>
      {list.error && <Notice kind="error">{fmt(t.error, { msg: list.error.message })}</Notice>}
      <ul class="rows" data-testid="products">
        {(list.data?.items ?? []).map((p) => (
          <li key={p.id} data-product={p.id} data-active={String(p.active)} class={p.active ? '' : 'off'}>
            <div>
              <strong>{p.name}</strong> <span class="muted">{p.id}</span>
              <div class="muted">
                {p.kind} · {yuan(p.basePrice)} · {p.active ? t.active : t.retired}
              </div>
            </div>
            {p.active && (
              <button type="button" onClick={() => void retire(p.id)} aria-label={`${t.retire} ${p.id}`}>
                {t.retire}
              </button>
            )}
          </li>
        ))}
      </ul>
      <form class="panel" onSubmit={(e) => (e.preventDefault(), void add())}>
        <h3>{t.addProduct}</h3>
        <div class="grid">
          {field('id', t.id)}
          {field('name', t.name)}
          <div>
            <label for="p-kind">{t.kind}</label>
            <select id="p-kind" value={form.kind} onChange={set('kind')}>
              {KINDS.map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label for="p-price">{t.price}</label>
            <input
              id="p-price"
              inputMode="decimal"
              value={form.price}
              aria-invalid={errs.basePrice ? 'true' : undefined}
              aria-describedby="p-price-msg"
              onInput={set('price')}
            />
            <FieldMsg id="p-price-msg" msg={errs.basePrice} />
          </div>
        </div>
        {note && <Notice kind={note.kind}>{note.text}</Notice>}
        <button type="submit" class="primary">
          {t.add}
        </button>
      </form>
    </section>
  );
}
