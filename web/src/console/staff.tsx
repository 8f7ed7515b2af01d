import { useState } from 'preact/hooks';
import { fmt } from '../lib/i18n.js';
import { Notice } from '../lib/ui.js';
import { useFetch } from '../lib/use-fetch.js';
import { call } from './client.js';
import { FieldMsg, TextField, fieldErrors } from './field-errors.js';
import { useT, type ConsoleDict } from './i18n.js';

/** `GET /v1/admin/accounts` (core/auth/accounts.ts `AccountView`), as far as this screen reads it. */
interface Account {
  id: string;
  username: string;
  displayName: string;
  role: string;
  areas: string[] | '*';
  channelId: string | null;
  status: 'pending' | 'active' | 'disabled';
  secondFactor: boolean;
  lastSignInAt: string | null;
}

/** What creating an account or a new enrolment answers: the token is shown once. */
interface Enrolment {
  token: string;
  expiresAt: string;
}

/** Roles an area's staff are given here; a platform admin is made with `scenic admin create`. */
const AREA_ROLES = ['area-manager', 'finance', 'customer-service', 'box-office', 'gate'] as const;
type AreaRole = (typeof AREA_ROLES)[number];

/** The link that opens this console's enrolment form with the token filled in. */
const enrolmentLink = (token: string) => `${location.origin}/admin?enrol=${encodeURIComponent(token)}`;

const statusLabel = (t: ConsoleDict, a: Account) =>
  a.status === 'pending' ? t.pending : a.status === 'disabled' ? t.disabled : t.enabled;

/**
 * The area's staff accounts: create one (its one-time enrolment link shown here, once),
 * disable or enable it, hand out a new link (optionally resetting the authenticator), end
 * its sessions. The server checks every grant (an area manager never gives `admin` nor
 * reaches beyond its areas), so this screen offers and the API decides.
 */
export function Staff({ areaId }: { areaId: string }) {
  const t = useT();
  const list = useFetch<{ items: Account[] }>(`/v1/admin/accounts?areaId=${areaId}`);
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState<AreaRole>('customer-service');
  const [link, setLink] = useState<{ who: string; url: string; expiresAt: string } | null>(null);
  const [errs, setErrs] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [info, setInfo] = useState<string | null>(null);
  const act = async (fn: () => Promise<void>) => {
    setError(null);
    setInfo(null);
    try {
      await fn();
      list.reload();
    } catch (e) {
      setErrs(fieldErrors(e));
      setError((e as Error).message);
    }
  };
  const create = () =>
    act(async () => {
      setErrs({});
      const r = await call<{ account: Account; enrolment: Enrolment }>('/v1/admin/accounts', {
        method: 'POST',
        body: {
          username: username.trim(),
          displayName: displayName.trim(),
          role,
          areas: [areaId],
          // a cashier sells through the box office's own on-site channel
          ...(role === 'box-office' ? { channelId: 'box-office' } : {}),
        },
      });
      setLink({
        who: r.account.username,
        url: enrolmentLink(r.enrolment.token),
        expiresAt: r.enrolment.expiresAt,
      });
      setUsername('');
      setDisplayName('');
    });
  const setStatus = (a: Account, status: 'active' | 'disabled') =>
    act(() =>
      call(`/v1/admin/accounts/${a.id}/status`, { method: 'POST', body: { status } }).then(() => undefined),
    );
  const newLink = (a: Account, secondFactor: boolean) =>
    act(async () => {
      const r = await call<{ enrolment: Enrolment }>(`/v1/admin/accounts/${a.id}/enrolment`, {
        method: 'POST',
        body: { secondFactor },
      });
      setLink({ who: a.username, url: enrolmentLink(r.enrolment.token), expiresAt: r.enrolment.expiresAt });
    });
  const endSessions = (a: Account) =>
    act(async () => {
      const r = await call<{ revoked: number }>(`/v1/admin/accounts/${a.id}/sessions`, { method: 'DELETE' });
      setInfo(fmt(t.sessionsEnded, { n: r.revoked }));
    });
  return (
    <section>
      <h2>{t.staff}</h2>
      <form class="panel" onSubmit={(e) => (e.preventDefault(), void create())}>
        <h3>{t.newAccount}</h3>
        <div class="grid">
          <div>
            <TextField
              id="a-username"
              autocomplete="off"
              label={t.username}
              value={username}
              onValue={setUsername}
              msg={errs.username}
            />
          </div>
          <div>
            <TextField
              id="a-name"
              label={t.displayName}
              value={displayName}
              onValue={setDisplayName}
              msg={errs.displayName}
            />
          </div>
          <div>
            <label for="a-role">{t.role}</label>
            <select id="a-role" value={role} onChange={(e) => setRole(e.currentTarget.value as AreaRole)}>
              {AREA_ROLES.map((r) => (
                <option key={r} value={r}>
                  {t.roles[r] ?? r}
                </option>
              ))}
            </select>
            <FieldMsg id="a-role-msg" msg={errs.role} />
          </div>
        </div>
        <button type="submit" class="primary" disabled={!username.trim() || !displayName.trim()}>
          {t.create}
        </button>
      </form>
      {link && (
        <Notice kind="warn">
          {t.enrolOnce} <strong>{link.who}</strong> <code data-testid="enrolment-link">{link.url}</code>
        </Notice>
      )}
      {info && <Notice kind="ok">{info}</Notice>}
      {error && <Notice kind="error">{fmt(t.error, { msg: error })}</Notice>}
      <ul class="rows" data-testid="accounts">
        {(list.data?.items ?? []).map((a) => (
          <li
            key={a.id}
            data-account={a.username}
            data-status={a.status}
            class={`wraps${a.status === 'disabled' ? ' off' : ''}`}
          >
            <div>
              <strong>{a.displayName}</strong> <span class="muted">{a.username}</span>
              <div class="muted">
                {t.roles[a.role] ?? a.role} · {statusLabel(t, a)}
                {a.secondFactor ? ` · ${t.twoFactor}` : ''} ·{' '}
                {a.lastSignInAt
                  ? fmt(t.lastSignIn, { at: new Date(a.lastSignInAt).toLocaleString() })
                  : t.never}
              </div>
            </div>
            <div class="actions">
              {a.status === 'disabled' ? (
                <button
                  type="button"
                  aria-label={`${t.enable} ${a.username}`}
                  onClick={() => void setStatus(a, 'active')}
                >
                  {t.enable}
                </button>
              ) : (
                <button
                  type="button"
                  class="danger"
                  aria-label={`${t.disable} ${a.username}`}
                  onClick={() => void setStatus(a, 'disabled')}
                >
                  {t.disable}
                </button>
              )}
              <button
                type="button"
                aria-label={`${t.newLink} ${a.username}`}
                onClick={() => void newLink(a, false)}
              >
                {t.newLink}
              </button>
              {a.secondFactor && (
                <button
                  type="button"
                  aria-label={`${t.newLinkTotp} ${a.username}`}
                  onClick={() => void newLink(a, true)}
                >
                  {t.newLinkTotp}
                </button>
              )}
              <button
                type="button"
                aria-label={`${t.endSessions} ${a.username}`}
                onClick={() => void endSessions(a)}
              >
                {t.endSessions}
              </button>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
