import { useState } from 'preact/hooks';
import { api, type ApiError } from '../lib/api.js';
import { AccountSignIn } from '../lib/sign-in.js';
import { Notice } from '../lib/ui.js';
import type { Creds } from './agent.js';
import { useT } from './i18n.js';

/**
 * The handheld's sign-in: a person with their account (the shared form, a Bearer session
 * kept for this tab), or the device with its staff key (checked against the API). Both
 * name the address of the entrance's gate agent.
 */
export function SignIn({ onCreds }: { onCreds: (c: Creds) => void }) {
  const t = useT();
  const [key, setKey] = useState('');
  const [agent, setAgent] = useState('/staff/agent');
  const [error, setError] = useState<string | null>(null);
  const agentField = (
    <>
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
    </>
  );
  return (
    <>
      <AccountSignIn
        session="bearer"
        onSignedIn={(s) => s.token && onCreds({ key: s.token, agent: agent.trim() })}
      >
        {agentField}
      </AccountSignIn>
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
        <h2>{t.keyTitle}</h2>
        <label for="key">{t.key}</label>
        <input
          id="key"
          type="password"
          autocomplete="off"
          value={key}
          onInput={(e) => setKey(e.currentTarget.value)}
        />
        {error && <Notice kind="error">{error}</Notice>}
        <button type="submit" class="primary" disabled={!/^sk_/.test(key.trim())}>
          {t.signInKey}
        </button>
      </form>
    </>
  );
}
