import { useState } from 'preact/hooks';
import { ApiError } from '../lib/api.js';
import { Notice } from '../lib/ui.js';
import { call, setCsrfToken } from './client.js';
import { useT } from './i18n.js';

interface SignedIn {
  csrfToken: string;
  secondFactor: 'passed' | 'enrolment_required' | 'not_required';
}

/**
 * Password first; an account with a second factor is asked for its TOTP code (the API
 * answers `totp_required`) and the same form is sent again with it. The session is the
 * cookie the API sets; the CSRF token of the answer is kept for this tab.
 */
export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const t = useT();
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [askTotp, setAskTotp] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setError(null);
    setBusy(true);
    try {
      const s = await call<SignedIn>('/v1/staff/sign-in', {
        method: 'POST',
        body: { login, password, session: 'cookie', ...(askTotp && totp ? { totp } : {}) },
      });
      setCsrfToken(s.csrfToken);
      if (s.secondFactor === 'enrolment_required') setError(t.enrolFirst);
      else onSignedIn();
    } catch (e) {
      const code = e instanceof ApiError ? e.code : '';
      if (code === 'totp_required') setAskTotp(true);
      else if (code === 'totp_invalid') {
        setError(t.totpInvalid);
        setTotp('');
      } else if (code === 'bad_credentials') setError(t.badCredentials);
      else if (code === 'account_locked' || code === 'sign_in_throttled') setError(t.locked);
      else setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="panel signin" onSubmit={(e) => (e.preventDefault(), void submit())}>
      <h2>{t.signInTitle}</h2>
      <label for="login">{t.login}</label>
      <input
        id="login"
        autocomplete="username"
        value={login}
        onInput={(e) => setLogin(e.currentTarget.value)}
      />
      <label for="password">{t.password}</label>
      <input
        id="password"
        type="password"
        autocomplete="current-password"
        value={password}
        onInput={(e) => setPassword(e.currentTarget.value)}
      />
      {askTotp && (
        <>
          <p class="muted">{t.totpHint}</p>
          <label for="totp">{t.totp}</label>
          <input
            id="totp"
            inputMode="numeric"
            autocomplete="one-time-code"
            pattern="[0-9]{6}"
            maxLength={6}
            value={totp}
            onInput={(e) => setTotp(e.currentTarget.value.replace(/\D/g, ''))}
          />
        </>
      )}
      {error && <Notice kind="error">{error}</Notice>}
      <button
        type="submit"
        class="primary"
        disabled={busy || !login || !password || (askTotp && totp.length !== 6)}
      >
        {t.signIn}
      </button>
    </form>
  );
}
