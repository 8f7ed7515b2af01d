import { useState } from 'preact/hooks';
import { api, type ApiError } from '../lib/api.js';
import { Notice } from '../lib/ui.js';
import type { Creds } from './agent.js';
import { useT } from './i18n.js';

/** Sign-in with a staff key (checked against the API) and the address of the entrance's gate agent. */
export function SignIn({ onCreds }: { onCreds: (c: Creds) => void }) {
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
