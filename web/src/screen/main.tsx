import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { ScreenSnapshot } from '../../../core/screen/model.js';
import { usePrefs } from '../lib/ui.js';
import { SCREEN_DICTS } from './i18n.js';
import { openStream, takeToken, type StreamState } from './stream.js';
import { Panels } from './panels.js';
import './screen.css';

/**
 * The crowd screen: a wall display of one area, updated by server-sent events
 * (api/screen.ts). Dark, high contrast, numbers sized to be read across a room.
 */
function Screen() {
  const ui = usePrefs();
  const t = SCREEN_DICTS[ui.lang];
  const [snap, setSnap] = useState<ScreenSnapshot | null>(null);
  const [state, setState] = useState<StreamState>('connecting');
  useEffect(() => {
    const areaId =
      new URLSearchParams(location.search).get('area') ??
      document.querySelector<HTMLMetaElement>('meta[name="scenic-area"]')?.content ??
      'west-lake';
    return openStream(`/screen/v1/areas/${encodeURIComponent(areaId)}/events`, takeToken(), {
      onState: setState,
      onEvent: (type, data) => {
        if (type === 'snapshot') setSnap(JSON.parse(data) as ScreenSnapshot);
      },
    });
  }, []);
  const time = snap
    ? new Date(snap.at).toLocaleTimeString(ui.lang === 'zh' ? 'zh-CN' : 'en-GB', { hour12: false })
    : '';
  return (
    <>
      <header>
        <h1>
          {snap?.areaName ?? ''} · {t.title}
        </h1>
        <p class={`conn conn-${state}`} role="status" data-testid="conn">
          {state === 'live' ? t.live : state === 'denied' ? t.denied : t.reconnecting}
          {state === 'live' && time ? ` · ${t.updated.replace('{time}', time)}` : ''}
        </p>
        <button
          type="button"
          class="lang"
          onClick={() => ui.set({ lang: ui.lang === 'zh' ? 'en' : 'zh' })}
          lang={ui.lang === 'zh' ? 'en' : 'zh'}
        >
          {t.language}
        </button>
      </header>
      {snap && <Panels s={snap} t={t} lang={ui.lang} />}
    </>
  );
}

const root = document.getElementById('app')!;
root.textContent = ''; // the boot message
render(<Screen />, root);
