import { useState } from 'preact/hooks';
import { api, ApiError, type Order } from '../lib/api.js';
import { fmt, money } from '../lib/i18n.js';
import { saveOrder, savedOrders, session, setSession } from '../lib/store.js';
import { Notice, useUi } from '../lib/ui.js';
import { useFetch } from '../lib/use-fetch.js';
import { MemberCard } from './member-card.js';

/** Orders bought on this phone, plus every order of the signed-in mobile number. */
export function OrdersPage({ go, areaId }: { go: (path: string) => void; areaId?: string }) {
  const { t } = useUi();
  const [signedIn, setSignedIn] = useState(session());
  const signOut = () => (setSession(null), setSignedIn(null));
  const fetched = useFetch<{ items: Order[] }>(signedIn ? '/v1/me/orders?limit=50' : null, {
    auth: signedIn,
    onData: (r) => r.items.forEach((o) => saveOrder(o.id, { order: o })),
    // an expired session signs out quietly: the phone's own orders still show
    onError: (e) => e instanceof ApiError && e.status === 401 && signOut(),
  });
  const mine = fetched.data?.items ?? [];
  const error = fetched.error instanceof ApiError && fetched.error.status === 401 ? null : fetched.error;
  const local = savedOrders()
    .map((s) => s.order)
    .filter((o): o is Order => !!o);
  const all = [...mine, ...local.filter((o) => !mine.some((m) => m.id === o.id))];
  return (
    <section data-testid="orders">
      <h2>{t.myOrders}</h2>
      {error && <Notice kind="error">{fmt(t.error, { msg: error.message })}</Notice>}
      {all.length === 0 && <p>{t.noOrders}</p>}
      <ul class="orders">
        {all.map((o) => (
          <li key={o.id}>
            <a href={`/orders/${o.id}`} onClick={(e) => (e.preventDefault(), go(`/orders/${o.id}`))}>
              <strong>{o.date}</strong> · {o.slotId} · {o.tickets.length}× ·{' '}
              {money(o.amountTotal, o.currency)}
              <span class={`badge ${o.status}`}>{t.status[o.status]}</span>
            </a>
          </li>
        ))}
      </ul>
      {signedIn && areaId && <MemberCard session={signedIn} areaId={areaId} />}
      {signedIn ? (
        <button type="button" onClick={signOut}>
          {t.signOut}
        </button>
      ) : (
        <SignIn onSession={setSignedIn} />
      )}
    </section>
  );
}

function SignIn({ onSession }: { onSession: (t: string) => void }) {
  const { t } = useUi();
  const [phone, setPhone] = useState('');
  const [code, setCode] = useState('');
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  return (
    <form
      class="panel"
      onSubmit={(e) => {
        e.preventDefault();
        setError(null);
        if (!sent)
          api('/v1/auth/otp', { method: 'POST', body: { phone } }).then(() => setSent(true), setError);
        else
          api<{ token: string }>('/v1/auth/session', { method: 'POST', body: { phone, code } }).then((r) => {
            setSession(r.token);
            onSession(r.token);
          }, setError);
      }}
    >
      <h3>{t.signIn}</h3>
      <label for="si-phone">{t.phone}</label>
      <input
        id="si-phone"
        type="tel"
        inputMode="numeric"
        autocomplete="tel-national"
        maxLength={11}
        value={phone}
        onInput={(e) => setPhone(e.currentTarget.value.trim())}
      />
      {sent && (
        <>
          <label for="si-code">{t.code}</label>
          <input
            id="si-code"
            inputMode="numeric"
            autocomplete="one-time-code"
            maxLength={6}
            value={code}
            onInput={(e) => setCode(e.currentTarget.value.trim())}
          />
        </>
      )}
      {error && <Notice kind="error">{fmt(t.error, { msg: error.message })}</Notice>}
      <button
        type="submit"
        class="primary"
        disabled={!/^1[3-9]\d{9}$/.test(phone) || (sent && !/^\d{6}$/.test(code))}
      >
        {sent ? t.signInBtn : t.sendCode}
      </button>
    </form>
  );
}
