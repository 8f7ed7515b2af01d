import { useState } from 'preact/hooks';
import { Notice, useUi } from '../lib/ui.js';
import { useFetch } from '../lib/use-fetch.js';
import { call, yuan } from './client.js';
import { errorUnder, fenOf, fieldErrors, FieldMsg, intOf, refusalText, TextField } from './field-errors.js';

/** `GET /v1/admin/joint-products` (core/joint/store.ts JointProductView), as far as this screen reads it. */
interface JointProduct {
  id: string;
  name: string;
  price: number;
  areas: { areaId: string; slotId: string; shareBps: number }[];
  suppliers: { supplierId: string; item: string; shareBps: number }[];
  active: boolean;
}

const TEXT = {
  zh: {
    title: '联票（多景区）',
    scope: '联票跨景区：需要管理全部景区的账号，服务器会校验。',
    id: '编号',
    name: '名称',
    price: '每人价格（元）',
    areas: '景区及分成',
    areaId: '景区编号',
    slotId: '时段编号',
    share: '分成（%）',
    addArea: '添加景区',
    removeArea: '删除景区',
    save: '保存联票',
    saved: '已保存 {id}',
    sum: '分成合计 {n}%（须为 100%，含供应商）',
  },
  en: {
    title: 'Joint tickets (several areas)',
    scope: 'A joint ticket spans areas: it takes an account of every area; the server checks.',
    id: 'Id',
    name: 'Name',
    price: 'Price per visitor (¥)',
    areas: 'Areas and their shares',
    areaId: 'Area id',
    slotId: 'Slot id',
    share: 'Share (%)',
    addArea: 'Add an area',
    removeArea: 'Remove area',
    save: 'Save the joint ticket',
    saved: 'Saved {id}',
    sum: 'Shares add up to {n}% (100% with the suppliers)',
  },
};

interface Leg {
  areaId: string;
  slotId: string;
  share: string;
}
const emptyForm = (areaId: string) => ({
  id: '',
  name: '',
  price: '',
  areas: [{ areaId, slotId: '', share: '' }] as Leg[],
});
/** "50" or "33.33" percent to basis points; null (refused, naming the field) if not a number. */
const bpsOf = (pct: string): number | null => intOf(String(Math.round(Number(pct) * 100))) ?? null;

/**
 * Joint products (issue 18): one ticket valid at several areas, each leg an area and the
 * slot it admits in, with the area's share of the money. `PUT /v1/admin/joint-products/:id`
 * is for callers of every area; the server says so (403) to others, and names the field of
 * a leg it refuses (an unknown slot, shares that do not add up).
 */
export function JointProductsPanel({ areaId }: { areaId: string }) {
  const x = TEXT[useUi().lang];
  const list = useFetch<{ items: JointProduct[] }>('/v1/admin/joint-products');
  const [f, setF] = useState(() => emptyForm(areaId));
  const [errs, setErrs] = useState<Record<string, string>>({});
  const [note, setNote] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const leg = (i: number, patch: Partial<Leg>) =>
    setF({ ...f, areas: f.areas.map((l, j) => (j === i ? { ...l, ...patch } : l)) });
  const sum = f.areas.reduce((s, l) => s + (Number(l.share) || 0), 0);
  const save = async () => {
    setErrs({});
    setNote(null);
    const id = f.id.trim();
    if (!id) return setErrs({ id: 'required' });
    try {
      await call(`/v1/admin/joint-products/${encodeURIComponent(id)}`, {
        method: 'PUT',
        body: {
          name: f.name.trim(),
          price: fenOf(f.price),
          areas: f.areas.map((l) => ({
            areaId: l.areaId.trim(),
            slotId: l.slotId.trim(),
            shareBps: l.share.trim() ? bpsOf(l.share) : null,
          })),
        },
      });
      setNote({ kind: 'ok', text: x.saved.replace('{id}', id) });
      setF(emptyForm(areaId));
      list.reload();
    } catch (e) {
      setErrs(fieldErrors(e));
      setNote({ kind: 'error', text: refusalText(e, 'Correct the fields marked above.') });
    }
  };
  return (
    <form class="panel" data-testid="joint-products" onSubmit={(e) => (e.preventDefault(), void save())}>
      <h3>{x.title}</h3>
      <p class="muted">{x.scope}</p>
      <ul class="rows">
        {(list.data?.items ?? []).map((p) => (
          <li key={p.id} data-joint={p.id}>
            <div>
              <strong>{p.name}</strong> <span class="muted">{p.id}</span>
              <div class="muted">
                {yuan(p.price)} ·{' '}
                {p.areas.map((a) => `${a.areaId}/${a.slotId} ${a.shareBps / 100}%`).join(' · ')}
              </div>
            </div>
          </li>
        ))}
      </ul>
      <div class="grid">
        <div>
          <TextField
            id="jp-id"
            label={x.id}
            value={f.id}
            onValue={(v) => setF({ ...f, id: v })}
            msg={errs.id}
          />
        </div>
        <div>
          <TextField
            id="jp-name"
            label={x.name}
            value={f.name}
            onValue={(v) => setF({ ...f, name: v })}
            msg={errs.name}
          />
        </div>
        <div>
          <TextField
            id="jp-price"
            label={x.price}
            value={f.price}
            onValue={(v) => setF({ ...f, price: v })}
            msg={errs.price}
          />
        </div>
      </div>
      <fieldset aria-describedby="jp-areas-msg">
        <legend>{x.areas}</legend>
        {f.areas.map((l, i) => (
          <div class="grid session-row" key={i}>
            <div>
              <TextField
                id={`jp-a${i}-area`}
                label={x.areaId}
                value={l.areaId}
                onValue={(v) => leg(i, { areaId: v })}
                msg={errorUnder(errs, `areas.${i}.areaId`)}
              />
            </div>
            <div>
              <TextField
                id={`jp-a${i}-slot`}
                label={x.slotId}
                value={l.slotId}
                onValue={(v) => leg(i, { slotId: v })}
                msg={errs[`areas.${i}`] ?? errorUnder(errs, `areas.${i}.slotId`)}
              />
            </div>
            <div>
              <TextField
                id={`jp-a${i}-share`}
                label={x.share}
                value={l.share}
                onValue={(v) => leg(i, { share: v })}
                msg={errorUnder(errs, `areas.${i}.shareBps`)}
              />
            </div>
            {f.areas.length > 1 && (
              <div class="end">
                <button
                  type="button"
                  onClick={() => setF({ ...f, areas: f.areas.filter((_, j) => j !== i) })}
                >
                  {x.removeArea}
                </button>
              </div>
            )}
          </div>
        ))}
        <p class="muted" data-testid="jp-sum">
          {x.sum.replace('{n}', String(Math.round(sum * 100) / 100))}
        </p>
        <FieldMsg id="jp-areas-msg" msg={errs.areas} />
        <button
          type="button"
          onClick={() => setF({ ...f, areas: [...f.areas, { areaId: '', slotId: '', share: '' }] })}
        >
          {x.addArea}
        </button>
      </fieldset>
      {note && <Notice kind={note.kind}>{note.text}</Notice>}
      <button type="submit" class="primary">
        {x.save}
      </button>
    </form>
  );
}
