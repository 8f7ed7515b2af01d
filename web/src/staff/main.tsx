import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, newKey, type Area, type DayAvailability, type Order } from '../lib/api.js';
import { todayIn } from '../lib/dates.js';
import { fmt, money } from '../lib/i18n.js';
import { Qr } from '../lib/qr.js';
import { readKey, writeKey } from '../lib/store.js';
import { Notice, PrefsBar, UiContext, usePrefs, useUi } from '../lib/ui.js';
import { VisitorFields, idProblem, type VisitorDraft } from '../visitor/visitor-fields.js';
import { CameraScanner } from './scanner.js';
import { STAFF_DICTS } from './i18n.js';
import '../styles.css';

/** What the gate agent answers (gate/agent.ts ScanResult). */
interface Outcome {
  scanId: string;
  ticketId: string | null;
  open: boolean;
  reason: string;
  display: string;
  mode: 'online' | 'offline';
  tickets?: Outcome[];
}
interface Creds {
  key: string;
  agent: string;
}
const CREDS = 'scenic.staff.v1';
const RESIDENT_ID = /^\d{17}[\dXx]$/;

const useT = () => STAFF_DICTS[useUi().lang];

/** What `POST /v1/box-office/sales` answers (core/channels/box-office.ts Sale). */
interface Sale {
  order: Order;
  payment: { method: PayMethod; status: 'paid' | 'pending'; payUrl: string | null; changeDue: number | null };
}
type PayMethod = 'cash' | 'card' | 'qr';
const PAY_METHODS: readonly PayMethod[] = ['cash', 'card', 'qr'];

/** Yuan as typed at the counter ("200", "88.5") → fen; undefined when empty or not a sum. */
function fenOf(text: string): number | undefined {
  if (!/^\d{1,7}(\.\d{1,2})?$/.test(text.trim())) return undefined;
  return Math.round(Number(text.trim()) * 100);
}

/** Calls the gate agent of this entrance: same-origin relay (with the staff key) or the agent itself. */
async function agentCall<T>(c: Creds, path: string, body?: unknown): Promise<T> {
  const direct = /^https?:\/\//.test(c.agent);
  const res = await fetch(`${c.agent.replace(/\/+$/, '')}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(direct ? {} : { authorization: `Bearer ${c.key}` }),
    },
    body: body === undefined ? null : JSON.stringify(body),
  });
  const j = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok)
    throw new ApiError(
      res.status,
      typeof j.code === 'string' ? j.code : `http_${res.status}`,
      typeof j.detail === 'string' ? j.detail : res.statusText,
    );
  return j as T;
}

function SignIn({ onCreds }: { onCreds: (c: Creds) => void }) {
  const t = useT();
  const [key, setKey] = useState('');
  const [agent, setAgent] = useState('/staff/agent');
  const [error, setError] = useState<string | null>(null);
  return (
    <form
      class="panel"
      onSubmit={(e) => {
        e.preventDefault();
        setError(null);
        // Any authenticated call tells a good key from a bad one: 401 = unknown or revoked.
        api('/v1/me/orders', { auth: key.trim() }).then(
          () => onCreds({ key: key.trim(), agent: agent.trim() }),
          (err: ApiError) =>
            err.status === 401 ? setError(t.badKey) : onCreds({ key: key.trim(), agent: agent.trim() }),
        );
      }}
    >
      <h2>{t.signInTitle}</h2>
      <label for="key">{t.key}</label>
      <input
        id="key"
        type="password"
        autocomplete="current-password"
        value={key}
        onInput={(e) => setKey(e.currentTarget.value)}
      />
      <label for="agent">{t.agent}</label>
      <input
        id="agent"
        value={agent}
        aria-describedby="agent-hint"
        onInput={(e) => setAgent(e.currentTarget.value)}
      />
      <p id="agent-hint" class="muted">
        {t.agentHint}
      </p>
      {error && <Notice kind="error">{error}</Notice>}
      <button type="submit" class="primary" disabled={!/^sk_/.test(key.trim())}>
        {t.signIn}
      </button>
    </form>
  );
}

function ScanTab({ creds }: { creds: Creds }) {
  const t = useT();
  const [input, setInput] = useState('');
  const [group, setGroup] = useState(false);
  const [camera, setCamera] = useState(false);
  const [result, setResult] = useState<Outcome | null>(null);
  const [recent, setRecent] = useState<Outcome[]>([]);
  const [health, setHealth] = useState<'online' | 'offline' | 'down' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const field = useRef<HTMLInputElement>(null);
  useEffect(() => {
    const poll = () =>
      agentCall<{ online: boolean; ready: boolean }>(creds, '/health').then(
        (h) => setHealth(h.online ? 'online' : 'offline'),
        () => setHealth('down'),
      );
    void poll();
    const i = setInterval(() => void poll(), 10_000);
    return () => clearInterval(i);
  }, [creds]);
  const scan = async (raw: string) => {
    const v = raw.trim();
    if (!v) return;
    setError(null);
    try {
      const body = RESIDENT_ID.test(v)
        ? { idNumber: v.toUpperCase() }
        : { qr: v, ...(group ? { group: true } : {}) };
      const r = await agentCall<Outcome>(creds, '/scan', body);
      setResult(r);
      setRecent((x) => [r, ...x].slice(0, 8));
      setInput('');
      navigator.vibrate?.(r.open ? 80 : [60, 60, 60]);
    } catch (e) {
      setResult(null);
      setError(e instanceof ApiError ? `${e.message} (${e.code})` : t.agentDown);
      setHealth('down');
    }
    field.current?.focus();
  };
  const n = result?.tickets?.length ?? 0;
  return (
    <section data-testid="scan">
      <p class={`agent ${health ?? ''}`} role="status">
        {health === 'online'
          ? t.agentOnline
          : health === 'offline'
            ? t.agentOffline
            : health === 'down'
              ? t.agentDown
              : '…'}
      </p>
      {result && (
        <div
          class={`result ${result.open ? 'ok' : 'no'}`}
          role="alert"
          data-testid="result"
          data-open={String(result.open)}
          data-reason={result.reason}
        >
          <div class="mark" aria-hidden="true">
            {result.open ? '✓' : '✗'}
          </div>
          <p class="verdict">{result.open ? t.admitted : t.denied}</p>
          <p class="why">{result.display}</p>
          <p class="code">
            {t.reason}: {result.reason}
            {n > 1
              ? ` · ${fmt(t.persons, { n: result.tickets!.filter((x) => x.open).length })}/${n}`
              : ''} · {result.mode}
          </p>
        </div>
      )}
      {error && <Notice kind="error">{error}</Notice>}
      <form class="scanform" onSubmit={(e) => (e.preventDefault(), void scan(input))}>
        <label for="code">{t.code}</label>
        <input
          id="code"
          ref={field}
          autocomplete="off"
          autocapitalize="characters"
          spellcheck={false}
          value={input}
          onInput={(e) => setInput(e.currentTarget.value)}
        />
        <label class="check">
          <input type="checkbox" checked={group} onChange={(e) => setGroup(e.currentTarget.checked)} />{' '}
          {t.group}
        </label>
        <div class="bar">
          <button type="button" onClick={() => setCamera(!camera)} aria-pressed={camera}>
            {camera ? t.closeCamera : t.camera}
          </button>
          <button type="submit" class="primary" disabled={!input.trim()}>
            {t.check}
          </button>
        </div>
      </form>
      {camera && (
        <CameraScanner
          label={t.cameraLabel}
          onCode={(c) => void scan(c)}
          onError={(e) => (setError(e.message), setCamera(false))}
        />
      )}
      {recent.length > 0 && (
        <>
          <h3>{t.recent}</h3>
          <ul class="recent">
            {recent.map((r) => (
              <li key={r.scanId} class={r.open ? 'ok' : 'no'}>
                {r.open ? '✓' : '✗'} {r.reason} · {r.display}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function BoxOffice({ creds, area }: { creds: Creds; area: Area }) {
  const t = useT();
  const today = todayIn(area.timezone);
  const [productId, setProductId] = useState(area.products[0]?.id ?? '');
  const [qty, setQty] = useState(1);
  const [day, setDay] = useState<DayAvailability | null>(null);
  const [slotId, setSlotId] = useState('');
  const [visitors, setVisitors] = useState<VisitorDraft[]>([]);
  const [order, setOrder] = useState<Order | null>(null);
  const [pay, setPay] = useState<Sale['payment'] | null>(null);
  const [method, setMethod] = useState<PayMethod>('cash');
  const [tendered, setTendered] = useState('');
  const [cardRef, setCardRef] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [key, setKey] = useState(newKey);
  useEffect(() => {
    api<DayAvailability>(`/v1/areas/${area.id}/availability?date=${today}&channel=box-office`).then(
      (d) => {
        setDay(d);
        setSlotId((s) => s || (d.slots.find((x) => !x.soldOut)?.slotId ?? ''));
      },
      (e: Error) => setError(e.message),
    );
  }, [area, today, order?.id]);
  useEffect(() => {
    setVisitors((prev) =>
      Array.from({ length: qty }, (_, i) => ({
        ...(prev[i] ?? { name: '', idType: 'cn_resident', idNumber: '' }),
        productId,
      })),
    );
  }, [qty, productId]);
  // Waiting for the visitor to pay at the counter: poll the order until issued.
  useEffect(() => {
    if (!order || order.status !== 'held') return;
    const i = setInterval(() => {
      api<Order>(`/v1/orders/${order.id}`, { auth: creds.key }).then(setOrder, () => undefined);
    }, 1500);
    return () => clearInterval(i);
  }, [order?.id, order?.status]);
  const product = area.products.find((p) => p.id === productId);
  const total = product ? product.basePrice * qty : 0;
  const cash = fenOf(tendered);
  const cashOk = method !== 'cash' || tendered.trim() === '' || (cash !== undefined && cash >= total);
  const ok = slotId && cashOk && visitors.every((v) => v.name.trim() && v.idNumber.trim() && !idProblem(v));
  // One request sells and takes the money (core/channels/box-office.ts): cash and card are
  // recorded as paid at once, a QR payment waits for the gateway.
  const sell = async () => {
    setBusy(true);
    setError(null);
    try {
      const sale = await api<Sale>('/v1/box-office/sales', {
        method: 'POST',
        auth: creds.key,
        idempotencyKey: key,
        body: {
          areaId: area.id,
          date: today,
          slotId,
          items: [
            {
              productId,
              visitors: visitors.map(({ name, idType, idNumber }) => ({
                name: name.trim(),
                idType,
                idNumber: idNumber.trim(),
              })),
            },
          ],
          payment: {
            method,
            ...(method === 'cash' && cash !== undefined ? { tendered: cash } : {}),
            ...(method === 'card' && cardRef.trim() ? { reference: cardRef.trim() } : {}),
          },
        },
      });
      setPay(sale.payment);
      // the staff view of the order carries the ticket codes to print
      setOrder(
        sale.order.status === 'issued'
          ? await api<Order>(`/v1/orders/${sale.order.id}`, { auth: creds.key })
          : sale.order,
      );
    } catch (e) {
      setError(e instanceof ApiError ? `${e.message} (${e.code})` : (e as Error).message);
      setKey(newKey());
    } finally {
      setBusy(false);
    }
  };
  if (order)
    return (
      <section data-testid="sale">
        {order.status === 'held' && pay?.payUrl && (
          <>
            <p class="big center">{fmt(t.payQr, { amount: money(order.amountTotal, order.currency) })}</p>
            <Qr
              text={pay.payUrl}
              label={fmt(t.payQr, { amount: money(order.amountTotal, order.currency) })}
              size={240}
            />
          </>
        )}
        {order.status === 'issued' && (
          <>
            <Notice kind="ok">
              <span data-testid="sale-issued">{t.issued}</span> · {money(order.amountTotal, order.currency)} ·{' '}
              {t[pay?.method ?? 'qr']}
            </Notice>
            {pay?.changeDue != null && pay.changeDue > 0 && (
              <p class="big center" data-testid="change-due">
                {fmt(t.change, { amount: money(pay.changeDue, order.currency) })}
              </p>
            )}
            {order.tickets
              .filter((x) => x.code)
              .map((x) => (
                <div key={x.id} class="ticket">
                  <Qr text={x.code!} label={`${x.visitor.name}`} size={220} />
                  <p class="center">{x.visitor.name}</p>
                </div>
              ))}
          </>
        )}
        {error && <Notice kind="error">{error}</Notice>}
        <button
          type="button"
          class="primary"
          onClick={() => (
            setOrder(null),
            setPay(null),
            setVisitors([{ name: '', idType: 'cn_resident', idNumber: '', productId }]),
            setKey(newKey()),
            setQty(1),
            setTendered(''),
            setCardRef('')
          )}
        >
          {t.newSale}
        </button>
      </section>
    );
  return (
    <section data-testid="box-office">
      <label for="bo-product">{t.product}</label>
      <select id="bo-product" value={productId} onChange={(e) => setProductId(e.currentTarget.value)}>
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
        onInput={(e) => setQty(Math.max(1, Math.min(20, Number(e.currentTarget.value) || 1)))}
      />
      <label for="bo-slot">{t.slot}</label>
      <select id="bo-slot" value={slotId} onChange={(e) => setSlotId(e.currentTarget.value)}>
        {!day?.slots.some((s) => !s.soldOut) && <option value="">{t.noSlot}</option>}
        {(day?.slots ?? []).map((s) => (
          <option key={s.slotId} value={s.slotId} disabled={s.remaining < qty}>
            {s.startsAt}–{s.endsAt} · {s.remaining}
          </option>
        ))}
      </select>
      {visitors.map((v, i) => (
        <VisitorFields
          key={i}
          n={i + 1}
          title={fmt(t.visitor, { n: i + 1 })}
          v={v}
          onChange={(nv) => setVisitors(visitors.map((x, j) => (j === i ? nv : x)))}
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
              onChange={() => setMethod(m)}
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
            value={tendered}
            onInput={(e) => setTendered(e.currentTarget.value)}
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
            value={cardRef}
            onInput={(e) => setCardRef(e.currentTarget.value)}
          />
        </>
      )}
      {error && <Notice kind="error">{error}</Notice>}
      <button type="button" class="primary" disabled={busy || !ok} onClick={() => void sell()}>
        {t.sell} · {product ? money(total, product.currency) : ''}
      </button>
    </section>
  );
}

function Staff() {
  const ui = usePrefs();
  const t = STAFF_DICTS[ui.lang];
  const [creds, setCreds] = useState<Creds | null>(() => readKey<Creds | null>(CREDS, null));
  const [tab, setTab] = useState<'scan' | 'sell'>('scan');
  const [area, setArea] = useState<Area | null>(null);
  const areaId =
    new URLSearchParams(location.search).get('area') ??
    document.querySelector<HTMLMetaElement>('meta[name="scenic-area"]')?.content ??
    'west-lake';
  useEffect(() => {
    if (creds && tab === 'sell' && !area) api<Area>(`/v1/areas/${areaId}`).then(setArea, () => undefined);
  }, [creds, tab]);
  return (
    <UiContext.Provider value={ui}>
      <header>
        <h1>{t.title}</h1>
        <PrefsBar />
        {creds && (
          <nav>
            <a
              href="#scan"
              aria-current={tab === 'scan' ? 'page' : undefined}
              onClick={(e) => (e.preventDefault(), setTab('scan'))}
            >
              {t.scan}
            </a>
            <a
              href="#sell"
              aria-current={tab === 'sell' ? 'page' : undefined}
              onClick={(e) => (e.preventDefault(), setTab('sell'))}
            >
              {t.boxOffice}
            </a>
            <button type="button" class="chip" onClick={() => (writeKey(CREDS, null), setCreds(null))}>
              {t.signOut}
            </button>
          </nav>
        )}
      </header>
      <main>
        {!creds ? (
          <SignIn onCreds={(c) => (writeKey(CREDS, c), setCreds(c))} />
        ) : tab === 'scan' ? (
          <ScanTab creds={creds} />
        ) : area ? (
          <BoxOffice creds={creds} area={area} />
        ) : (
          <p>…</p>
        )}
      </main>
    </UiContext.Provider>
  );
}

const root = document.getElementById('app')!;
root.textContent = ''; // the boot message
render(<Staff />, root);

if ('serviceWorker' in navigator)
  addEventListener('load', () => void navigator.serviceWorker.register('/sw.js').catch(() => undefined));
