import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { api, ApiError } from './api.js';
import { Notice, useUi } from './ui.js';

/** What `POST /v1/staff/sign-in` answers (api/staff-auth.ts), as far as a page reads it. */
export interface StaffSignedIn {
  /** the session as a Bearer token (`session: 'bearer'`); null when it went into the cookie */
  token: string | null;
  csrfToken: string;
  secondFactor: 'passed' | 'enrolment_required' | 'not_required';
}

const zh = {
  signInTitle: '员工登录',
  login: '用户名或邮箱',
  password: '密码',
  totp: '验证码（身份验证器 6 位数字）',
  totpHint: '此账号需要第二重验证：请输入身份验证器中的 6 位验证码。',
  signIn: '登录',
  badCredentials: '用户名或密码错误',
  totpInvalid: '验证码错误或已使用',
  locked: '失败次数过多，账号已暂时锁定',
  enrolFirst: '此角色需要先绑定身份验证器：请先在管理后台（/admin）登录并完成绑定。',
};
const en: typeof zh = {
  signInTitle: 'Staff sign-in',
  login: 'Username or e-mail',
  password: 'Password',
  totp: 'Code (6 digits from your authenticator app)',
  totpHint: 'This account has a second factor: enter the 6-digit code from your authenticator app.',
  signIn: 'Sign in',
  badCredentials: 'Wrong login or password',
  totpInvalid: 'Wrong or already used code',
  locked: 'Too many failed sign-ins: the account is locked for a while',
  enrolFirst:
    'This role needs an authenticator app first: sign in at the console (/admin) once to set it up.',
};
const DICTS = { zh, en };

/**
 * A person's sign-in, shared by the console (`session: 'cookie'`) and the staff handheld
 * (`'bearer'`): password first; an account with a second factor is asked for its TOTP code
 * (the API answers `totp_required`) and the same form is sent again with it. `children`
 * are extra fields of the page (the handheld's gate agent), shown above the button. A page
 * that can set up a second factor (`enrolsSecondFactor`: the console) takes a session that
 * still needs one; elsewhere the person is sent to the console first.
 */
export function AccountSignIn({
  session,
  onSignedIn,
  enrolsSecondFactor = false,
  children,
}: {
  session: 'cookie' | 'bearer';
  enrolsSecondFactor?: boolean;
  onSignedIn: (s: StaffSignedIn) => void;
  children?: ComponentChildren;
}) {
  const t = DICTS[useUi().lang];
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
      const s = await api<StaffSignedIn>('/v1/staff/sign-in', {
        method: 'POST',
        maxQueueAttempts: 1,
        body: { login, password, session, ...(askTotp && totp ? { totp } : {}) },
      });
      if (s.secondFactor === 'enrolment_required' && !enrolsSecondFactor) setError(t.enrolFirst);
      else onSignedIn(s);
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
      {children}
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
