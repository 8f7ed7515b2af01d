import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type ScanResult } from '../lib/api.js';
import { fmt } from '../lib/i18n.js';
import { Notice } from '../lib/ui.js';
import { agentCall, type AgentHealth, type Creds } from './agent.js';
import { useT } from './i18n.js';
import { CameraScanner } from './scanner.js';

const RESIDENT_ID = /^\d{17}[\dXx]$/;

/**
 * Scanning at the entrance: camera or typed/wedge code (an 18-character resident ID number
 * goes as `idNumber`), the agent's answer full screen, the last scans, and the agent's health.
 */
export function ScanTab({ creds }: { creds: Creds }) {
  const t = useT();
  const [input, setInput] = useState('');
  const [group, setGroup] = useState(false);
  const [camera, setCamera] = useState(false);
  const [result, setResult] = useState<ScanResult | null>(null);
  const [recent, setRecent] = useState<ScanResult[]>([]);
  const [health, setHealth] = useState<'online' | 'offline' | 'down' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const field = useRef<HTMLInputElement>(null);
  useEffect(() => {
    const poll = () =>
      agentCall<AgentHealth>(creds, '/health').then(
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
      const r = await agentCall<ScanResult>(creds, '/scan', body);
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
  const n = result?.tickets.length ?? 0;
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
              ? ` · ${fmt(t.persons, { n: result.tickets.filter((x) => x.open).length })}/${n}`
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
