import { render } from 'preact';
import { useState } from 'preact/hooks';
import { api, type Area } from '../lib/api.js';
import { PrefsBar, UiContext, usePrefs } from '../lib/ui.js';
import { useFetch } from '../lib/use-fetch.js';
import { saveCreds, savedCreds, type Creds } from './agent.js';
import { BoxOffice } from './box-office.js';
import { STAFF_DICTS } from './i18n.js';
import { ScanTab } from './scan-tab.js';
import { SignIn } from './sign-in.js';
import '../styles.css';

/** The staff handheld page: sign in, then scan at the entrance or sell at the box office. */
function Staff() {
  const ui = usePrefs();
  const t = STAFF_DICTS[ui.lang];
  const [creds, setCreds] = useState<Creds | null>(savedCreds);
  const [tab, setTab] = useState<'scan' | 'sell'>('scan');
  // the area's catalog is loaded the first time the box office opens, then kept
  const [selling, setSelling] = useState(false);
  const areaId =
    new URLSearchParams(location.search).get('area') ??
    document.querySelector<HTMLMetaElement>('meta[name="scenic-area"]')?.content ??
    'west-lake';
  const signOut = async () => {
    // a person's session ends on the server too; a device key stays valid for the next sign-in
    if (creds?.key.startsWith('ss1_'))
      await api('/v1/staff/sign-out', { method: 'POST', auth: creds.key }).catch(() => undefined);
    saveCreds(null);
    setCreds(null);
  };
  const area = useFetch<Area>(selling ? `/v1/areas/${areaId}` : null).data;
  return (
    <UiContext.Provider value={ui}>
      <header>
        <h1>{t.title}</h1>
        <PrefsBar />
        {creds && (
          <nav>
            <a
              href="#scan"
              aria-current={tab === 'scan' ? 'page' : undefined}
              onClick={(e) => (e.preventDefault(), setTab('scan'))}
            >
              {t.scan}
            </a>
            <a
              href="#sell"
              aria-current={tab === 'sell' ? 'page' : undefined}
              onClick={(e) => (e.preventDefault(), setTab('sell'), setSelling(true))}
            >
              {t.boxOffice}
            </a>
            <button type="button" class="chip" onClick={() => void signOut()}>
              {t.signOut}
            </button>
          </nav>
        )}
      </header>
      <main>
        {!creds ? (
          <SignIn onCreds={(c) => (saveCreds(c), setCreds(c))} />
        ) : tab === 'scan' ? (
          <ScanTab creds={creds} />
        ) : area ? (
          <BoxOffice creds={creds} area={area} />
        ) : (
          <p>…</p>
        )}
      </main>
    </UiContext.Provider>
  );
}

const root = document.getElementById('app')!;
root.textContent = ''; // the boot message
render(<Staff />, root);

if ('serviceWorker' in navigator)
  addEventListener('load', () => void navigator.serviceWorker.register('/sw.js').catch(() => undefined));
