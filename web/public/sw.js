/* Offline shell for the visitor and staff pages. Hashed assets: cache first (they
 * never change); pages: network first, falling back to the cached shell so a ticket
 * saved on the phone still shows without network. API calls are never cached here:
 * the pages keep their own copy of the visitor's orders in localStorage. */
const CACHE = 'scenic-shell-v1';
const SHELL = ['/', '/staff'];

// The pages and every hashed asset they reference (scripts, preloads, styles).
async function precache() {
  const c = await caches.open(CACHE);
  await c.addAll(SHELL);
  const assets = new Set();
  for (const page of SHELL) {
    const html = await (await c.match(page)).text();
    for (const m of html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)) assets.add(m[1]);
  }
  await c.addAll([...assets]);
}

self.addEventListener('install', (e) => {
  e.waitUntil(precache().then(() => self.skipWaiting()));
});

self.addEventListener('activate', (e) => {
  e.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (e) => {
  const req = e.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/v1/') || url.pathname.startsWith('/staff/agent')) return;
  if (url.pathname.startsWith('/assets/')) {
    e.respondWith(
      caches.match(req).then(
        (hit) =>
          hit ||
          fetch(req).then((res) => {
            if (res.ok) {
              const copy = res.clone();
              void caches.open(CACHE).then((c) => c.put(req, copy));
            }
            return res;
          }),
      ),
    );
    return;
  }
  if (req.mode === 'navigate') {
    const shell = url.pathname === '/staff' || url.pathname.startsWith('/staff/') ? '/staff' : '/';
    e.respondWith(
      fetch(req)
        .then((res) => {
          if (res.ok) {
            const copy = res.clone();
            void caches.open(CACHE).then((c) => c.put(shell, copy));
          }
          return res;
        })
        .catch(() => caches.match(shell).then((hit) => hit || Response.error())),
    );
  }
});
