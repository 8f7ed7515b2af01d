import { createContext, type ComponentChildren } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import { DICTS, fmt, type Dict, type Lang } from './i18n.js';
import { onQueue, type QueueState } from './api.js';
import { prefs as loadPrefs, setPrefs, type Prefs } from './store.js';

/** Language and display preferences, shared by every component of a page. */
export interface Ui {
  t: Dict;
  lang: Lang;
  large: boolean;
  set(p: Partial<Prefs>): void;
}
export const UiContext = createContext<Ui>({ t: DICTS.zh, lang: 'zh', large: false, set: () => undefined });
export const useUi = (): Ui => useContext(UiContext);

export function usePrefs(): Ui {
  const [p, setP] = useState<Prefs>(loadPrefs);
  useEffect(() => {
    document.documentElement.lang = p.lang === 'zh' ? 'zh-CN' : 'en';
    document.documentElement.classList.toggle('large', p.large);
  }, [p]);
  return {
    t: DICTS[p.lang],
    lang: p.lang,
    large: p.large,
    set: (patch) => {
      const next = { ...p, ...patch };
      setPrefs(next);
      setP(next);
    },
  };
}

export function useOnline(): boolean {
  const [online, setOnline] = useState(typeof navigator === 'undefined' ? true : navigator.onLine);
  useEffect(() => {
    const on = () => setOnline(true);
    const off = () => setOnline(false);
    addEventListener('online', on);
    addEventListener('offline', off);
    return () => {
      removeEventListener('online', on);
      removeEventListener('offline', off);
    };
  }, []);
  return online;
}

/** Header toggles: language and large text + high contrast (elderly mode). */
export function PrefsBar() {
  const ui = useUi();
  return (
    <div class="prefs">
      <button
        type="button"
        class="chip"
        onClick={() => ui.set({ lang: ui.lang === 'zh' ? 'en' : 'zh' })}
        lang={ui.lang === 'zh' ? 'en' : 'zh'}
      >
        {ui.t.language}
      </button>
      <button type="button" class="chip" aria-pressed={ui.large} onClick={() => ui.set({ large: !ui.large })}>
        {ui.t.largeText}
      </button>
    </div>
  );
}

/** The presale waiting room / rate-limit state: a calm panel, never an error page. */
export function QueuePanel() {
  const { t } = useUi();
  const [q, setQ] = useState<QueueState | null>(null);
  const [now, setNow] = useState(Date.now());
  useEffect(() => onQueue(setQ), []);
  useEffect(() => {
    if (!q) return;
    const i = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(i);
  }, [q]);
  if (!q) return null;
  const left = Math.max(0, Math.ceil((q.retryAt - now) / 1000));
  return (
    <section class="queue" role="status" aria-live="polite" data-testid="queue">
      <h2>{t.queueTitle}</h2>
      <p class="big">
        {q.ahead !== null
          ? fmt(t.queuePos, { n: q.ahead })
          : q.position !== null
            ? fmt(t.queueNumber, { n: q.position })
            : t.queueBusy}
      </p>
      <p>{fmt(t.queueWait, { s: left })}</p>
      <div class="spinner" aria-hidden="true" />
    </section>
  );
}

export function Notice({
  kind,
  children,
}: {
  kind: 'error' | 'info' | 'ok' | 'warn';
  children: ComponentChildren;
}) {
  return (
    <div class={`notice ${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}
