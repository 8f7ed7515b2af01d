import { useEffect, useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { fmt } from '../lib/i18n.js';
import { Qr } from '../lib/qr.js';
import { Notice } from '../lib/ui.js';
import { call } from './client.js';
import { TextField, fieldErrors } from './field-errors.js';
import { useT } from './i18n.js';

/**
 * `/admin?enrol=<token>`: the one-time link an admin hands out (the console's staff screen,
 * or `scenic admin create` for the first admin) sets the person's password. No session yet:
 * the token is the credential, so the plain `api` client sends it, not the console's `call`.
 */
export function Enrolment({ token, onDone }: { token: string; onDone: () => void }) {
  const t = useT();
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [errs, setErrs] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setErrs({});
    setError(null);
    if (password !== again) return setErrs({ again: t.mismatch });
    setBusy(true);
    try {
      await api('/v1/staff/enrol', { method: 'POST', maxQueueAttempts: 1, body: { token, password } });
      onDone();
    } catch (e) {
      const f = fieldErrors(e);
      // the weak-password refusal names the field `password`; anything else is the link's
      if (f.password) setErrs({ password: f.password });
      else setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="panel signin" onSubmit={(e) => (e.preventDefault(), void submit())}>
      <h2>{t.enrolTitle}</h2>
      <TextField
        id="new-password"
        type="password"
        autocomplete="new-password"
        label={t.newPassword}
        value={password}
        onValue={setPassword}
        msg={errs.password}
      />
      <TextField
        id="new-password-again"
        type="password"
        autocomplete="new-password"
        label={t.repeatPassword}
        value={again}
        onValue={setAgain}
        msg={errs.again}
      />
      {error && <Notice kind="error">{fmt(t.error, { msg: error })}</Notice>}
      <button type="submit" class="primary" disabled={busy || !password || !again}>
        {t.setPassword}
      </button>
    </form>
  );
}

/**
 * Signed in, but the role needs a second factor that is not set up yet (`me.secondFactor`
 * 'pending'): the session may do nothing but this. Starts a TOTP enrolment, shows the key as
 * a QR code and as text, and confirms it with the first code, which also passes the session.
 */
export function SecondFactorEnrolment({ onDone }: { onDone: () => void }) {
  const t = useT();
  const [pending, setPending] = useState<{ secret: string; otpauthUri: string } | null>(null);
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    call<{ secret: string; otpauthUri: string }>('/v1/staff/totp', { method: 'POST' }).then(setPending, (e) =>
      setError((e as Error).message),
    );
  }, []);
  const confirm = async () => {
    setError(null);
    setBusy(true);
    try {
      await call('/v1/staff/totp/confirm', { method: 'POST', body: { code } });
      onDone();
    } catch (e) {
      setError((e as Error).message);
      setCode('');
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="panel signin" onSubmit={(e) => (e.preventDefault(), void confirm())}>
      <h2>{t.totpTitle}</h2>
      <p>{t.totpScan}</p>
      {pending && (
        <>
          <Qr text={pending.otpauthUri} label={t.totpTitle} size={220} />
          <p>
            <code data-testid="totp-secret">{pending.secret}</code>
          </p>
        </>
      )}
      <label for="totp-code">{t.totpCode}</label>
      <input
        id="totp-code"
        inputMode="numeric"
        autocomplete="one-time-code"
        pattern="[0-9]{6}"
        maxLength={6}
        value={code}
        onInput={(e) => setCode(e.currentTarget.value.replace(/\D/g, ''))}
      />
      {error && <Notice kind="error">{fmt(t.error, { msg: error })}</Notice>}
      <button type="submit" class="primary" disabled={busy || !pending || code.length !== 6}>
        {t.confirm}
      </button>
    </form>
  );
}
