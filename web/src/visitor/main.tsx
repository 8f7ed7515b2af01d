import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Area } from '../lib/api.js';
import { todayIn } from '../lib/dates.js';
import { fmt } from '../lib/i18n.js';
import { readKey, writeKey } from '../lib/store.js';
import { Notice, PrefsBar, QueuePanel, UiContext, useOnline, usePrefs } from '../lib/ui.js';
import { useFetch } from '../lib/use-fetch.js';
import { Book } from './book.js';
import { OrderPage } from './order.js';
import { OrdersPage } from './orders.js';
import { useWaitingRoom } from './waiting-room.js';
import '../styles.css';

/** The area this page sells: ?area=, else the server's default (a meta tag), cached for offline. */
function areaId(): string {
  const q = new URLSearchParams(location.search).get('area');
  if (q) writeKey('scenic.area.v1', q);
  return (
    q ??
    readKey<string | null>('scenic.area.v1', null) ??
    document.querySelector<HTMLMetaElement>('meta[name="scenic-area"]')?.content ??
    'west-lake'
  );
}

function usePath(): [string, (p: string) => void] {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const on = () => setPath(location.pathname);
    addEventListener('popstate', on);
    return () => removeEventListener('popstate', on);
  }, []);
  return [
    path,
    (p) => {
      history.pushState(null, '', p);
      setPath(p);
      scrollTo(0, 0);
    },
  ];
}

function App() {
  const ui = usePrefs();
  const online = useOnline();
  const [path, go] = usePath();
  const id = areaId();
  // the last copy of the area document keeps the page (and offline tickets) working offline
  const [cached] = useState(() => readKey<Area | null>(`scenic.areaDoc.${id}`, null));
  const { data, error } = useFetch<Area>(`/v1/areas/${encodeURIComponent(id)}`, {
    onData: (a) => writeKey(`scenic.areaDoc.${id}`, a),
  });
  const area = data ?? cached;
  const [room] = useWaitingRoom(path === '/' ? id : null);
  const today = todayIn(area?.timezone ?? 'Asia/Shanghai');
  const order = /^\/orders\/([0-9a-f-]{36})$/.exec(path);
  const link = (to: string, label: string) => (
    <a
      href={to}
      aria-current={path === to ? 'page' : undefined}
      onClick={(e) => (e.preventDefault(), go(to))}
    >
      {label}
    </a>
  );
  return (
    <UiContext.Provider value={ui}>
      <header>
        <h1>{area?.name ?? ui.t.appName}</h1>
        <PrefsBar />
        <nav>
          {link('/', ui.t.buy)}
          {link('/orders', ui.t.myOrders)}
        </nav>
      </header>
      <main>
        <QueuePanel />
        {!online && !order && <Notice kind="warn">{ui.t.offline}</Notice>}
        {order ? (
          <OrderPage id={order[1]!} area={area} today={today} />
        ) : path === '/orders' ? (
          <OrdersPage go={go} areaId={id} />
        ) : area && (room.kind === 'none' || room.kind === 'admitted') ? (
          <Book area={area} today={today} go={go} admission={room.kind === 'admitted' ? room.token : null} />
        ) : room.kind === 'waiting' ? null : area ? (
          <p>{ui.t.loading}</p>
        ) : error ? (
          <Notice kind="error">{fmt(ui.t.error, { msg: error.message })}</Notice>
        ) : (
          <p>{ui.t.loading}</p>
        )}
      </main>
    </UiContext.Provider>
  );
}

const root = document.getElementById('app')!;
root.textContent = ''; // the boot message
render(<App />, root);

if ('serviceWorker' in navigator && location.protocol !== 'file:') {
  addEventListener('load', () => void navigator.serviceWorker.register('/sw.js').catch(() => undefined));
}
