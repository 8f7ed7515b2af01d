import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { fmt } from '../lib/i18n.js';
import { Notice, PrefsBar, UiContext, usePrefs } from '../lib/ui.js';
import { call, setCsrfToken, type Me } from './client.js';
import { CONSOLE_DICTS, useT, type ConsoleDict } from './i18n.js';
import { AccountSignIn } from '../lib/sign-in.js';
import { Products } from './products.js';
import { Catalog } from './catalog.js';
import { Channels } from './channels.js';
import { Service } from './service.js';
import { Flags } from './flags.js';
import { Reports } from './reports.js';
import { Devices } from './devices.js';
import { Staff } from './staff.js';
import { Today } from './today.js';
import { Enrolment, SecondFactorEnrolment } from './enrol.js';
import '../styles.css';
import './console.css';

/** The console's screens, each shown when the caller holds its permission. */
const TABS = [
  { id: 'today', label: (t: ConsoleDict) => t.today, needs: 'stock.read', Screen: Today },
  { id: 'products', label: (t: ConsoleDict) => t.products, needs: 'stock.read', Screen: Products },
  { id: 'catalog', label: (t: ConsoleDict) => t.catalog, needs: 'areas.configure', Screen: Catalog },
  { id: 'channels', label: (t: ConsoleDict) => t.channels, needs: 'channels.switch', Screen: Channels },
  { id: 'service', label: (t: ConsoleDict) => t.service, needs: 'orders.search', Screen: Service },
  { id: 'flags', label: (t: ConsoleDict) => t.flags, needs: 'entries.flags', Screen: Flags },
  { id: 'reports', label: (t: ConsoleDict) => t.reports, needs: 'reports.read', Screen: Reports },
  { id: 'staff', label: (t: ConsoleDict) => t.staff, needs: 'accounts.read', Screen: Staff },
  { id: 'devices', label: (t: ConsoleDict) => t.devices, needs: 'devices.manage', Screen: Devices },
] as const;

const defaultArea = () =>
  new URLSearchParams(location.search).get('area') ??
  document.querySelector<HTMLMetaElement>('meta[name="scenic-area"]')?.content ??
  'west-lake';

function AreaPicker({ me, areaId, onArea }: { me: Me; areaId: string; onArea: (a: string) => void }) {
  const t = useT();
  return (
    <div class="area-pick">
      <label for="area">{t.area}</label>
      {me.areas === '*' ? (
        <input id="area" value={areaId} onChange={(e) => onArea(e.currentTarget.value.trim())} />
      ) : (
        <select id="area" value={areaId} onChange={(e) => onArea(e.currentTarget.value)}>
          {me.areas.map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
        </select>
      )}
    </div>
  );
}

/** The back-office console at /admin: sign in, pick an area, then one screen per task. */
function Console() {
  const ui = usePrefs();
  const t = CONSOLE_DICTS[ui.lang];
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [tab, setTab] = useState(location.hash.slice(1) || 'today');
  const [areaId, setAreaId] = useState(defaultArea);
  // `?enrol=<token>`: the one-time link of a new account (or a reset) opens the password form
  const [enrolToken, setEnrolToken] = useState(() => new URLSearchParams(location.search).get('enrol'));
  const [enrolled, setEnrolled] = useState(false);
  const enrolDone = () => {
    history.replaceState(null, '', location.pathname); // the token is spent: keep it out of the history
    setEnrolToken(null);
    setEnrolled(true);
  };
  const loadMe = () =>
    call<Me>('/v1/staff/me').then(
      (m) => {
        setMe(m);
        if (m.areas !== '*' && !m.areas.includes(areaId) && m.areas[0]) setAreaId(m.areas[0]);
      },
      // 401: not signed in (or the session ended): the sign-in form
      () => setMe(null),
    );
  useEffect(() => void loadMe(), []);
  const signOut = async () => {
    await call('/v1/staff/sign-out', { method: 'POST' }).catch(() => undefined);
    setCsrfToken(null);
    setMe(null);
  };
  // a role with a second factor that is not set up yet may do nothing but set it up
  const mustEnrolTotp = me?.secondFactor === 'pending';
  const tabs = me && !mustEnrolTotp ? TABS.filter((x) => me.permissions.includes(x.needs)) : [];
  const current = tabs.find((x) => x.id === tab) ?? tabs[0];
  return (
    <UiContext.Provider value={ui}>
      <header>
        <h1>{t.title}</h1>
        <PrefsBar />
        {me && (
          <div class="who">
            <span data-testid="who">
              {fmt(t.signedInAs, {
                name: me.account?.displayName ?? me.account?.username ?? me.id,
                role: me.role ?? '',
              })}
            </span>
            <button type="button" class="chip" onClick={() => void signOut()}>
              {t.signOut}
            </button>
          </div>
        )}
        {me && !mustEnrolTotp && (
          <nav>
            {tabs.map((x) => (
              <a
                key={x.id}
                href={`#${x.id}`}
                aria-current={current?.id === x.id ? 'page' : undefined}
                onClick={() => setTab(x.id)}
              >
                {x.label(t)}
              </a>
            ))}
          </nav>
        )}
      </header>
      <main>
        {enrolToken ? (
          <Enrolment token={enrolToken} onDone={enrolDone} />
        ) : me === undefined ? (
          <p>{t.loading}</p>
        ) : me === null ? (
          <>
            {enrolled && <Notice kind="ok">{t.enrolled}</Notice>}
            <AccountSignIn
              session="cookie"
              enrolsSecondFactor
              onSignedIn={(s) => (setCsrfToken(s.csrfToken), void loadMe())}
            />
          </>
        ) : mustEnrolTotp ? (
          <SecondFactorEnrolment onDone={() => void loadMe()} />
        ) : (
          <>
            <AreaPicker me={me} areaId={areaId} onArea={setAreaId} />
            {current && <current.Screen key={`${current.id}:${areaId}`} areaId={areaId} />}
          </>
        )}
      </main>
    </UiContext.Provider>
  );
}

const root = document.getElementById('app')!;
root.textContent = ''; // the boot message
render(<Console />, root);
