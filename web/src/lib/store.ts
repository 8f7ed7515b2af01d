import type { Order } from './api.js';

/**
 * What the visitor's phone remembers (localStorage): orders bought here with their
 * access tokens and last known state (so tickets show offline, ID numbers masked by the
 * server), the phone session and display preferences. Saved visitors carry full ID
 * numbers, so they live in sessionStorage, for the open tab only (17.18): a shared or lost
 * phone keeps no one's ID number after the tab closes. Nothing here is needed by the server.
 */
const K = {
  orders: 'scenic.orders.v1',
  visitors: 'scenic.visitors.v1',
  session: 'scenic.session.v1',
  prefs: 'scenic.prefs.v1',
} as const;

type Where = 'local' | 'tab';
const storage = (where: Where): Storage => (where === 'tab' ? sessionStorage : localStorage);

function read<T>(key: string, fallback: T, where: Where = 'local'): T {
  try {
    const s = storage(where).getItem(key);
    return s ? (JSON.parse(s) as T) : fallback;
  } catch {
    return fallback;
  }
}
function write(key: string, v: unknown, where: Where = 'local'): void {
  try {
    storage(where).setItem(key, JSON.stringify(v));
  } catch {
    /* storage full or disabled: the page still works online */
  }
}

export interface SavedOrder {
  id: string;
  token: string | null;
  order: Order | null;
  savedAt: number;
}

export const savedOrders = (): SavedOrder[] =>
  Object.values(read<Record<string, SavedOrder>>(K.orders, {})).sort((a, b) => b.savedAt - a.savedAt);
export const savedOrder = (id: string): SavedOrder | undefined =>
  read<Record<string, SavedOrder>>(K.orders, {})[id];

export function saveOrder(id: string, patch: { token?: string | null; order?: Order }): void {
  const all = read<Record<string, SavedOrder>>(K.orders, {});
  const prev = all[id];
  const { accessToken: _t, ...order } = patch.order ?? ({} as Order);
  all[id] = {
    id,
    token: patch.token ?? prev?.token ?? null,
    order: patch.order ? order : (prev?.order ?? null),
    savedAt: prev?.savedAt ?? Date.now(),
  };
  write(K.orders, all);
}

export interface SavedVisitor {
  name: string;
  idType: string;
  idNumber: string;
}
/** Drops the saved visitors older pages kept in localStorage, full ID numbers and all. */
function dropLegacyVisitors(): void {
  try {
    localStorage.removeItem(K.visitors);
  } catch {
    /* storage disabled: nothing was kept */
  }
}

/** The visitors saved in this tab (sessionStorage, never localStorage: they hold full ID numbers). */
export function savedVisitors(): SavedVisitor[] {
  dropLegacyVisitors();
  return read<SavedVisitor[]>(K.visitors, [], 'tab');
}
export function rememberVisitors(vs: SavedVisitor[]): void {
  const all = savedVisitors();
  for (const v of vs) if (!all.some((x) => x.idNumber === v.idNumber)) all.push(v);
  write(K.visitors, all.slice(-12), 'tab');
}
export function forgetVisitor(idNumber: string): void {
  write(
    K.visitors,
    savedVisitors().filter((v) => v.idNumber !== idNumber),
    'tab',
  );
}

export const session = (): string | null => read<string | null>(K.session, null);
export const setSession = (t: string | null): void => write(K.session, t);

export interface Prefs {
  lang: 'zh' | 'en';
  large: boolean;
}
export function prefs(): Prefs {
  const nav =
    typeof navigator !== 'undefined' && navigator.language.toLowerCase().startsWith('zh') ? 'zh' : 'en';
  return { lang: nav, large: false, ...read<Partial<Prefs>>(K.prefs, {}) };
}
export const setPrefs = (p: Prefs): void => write(K.prefs, p);

export function readKey<T>(key: string, fallback: T): T {
  return read(key, fallback);
}
export function writeKey(key: string, v: unknown): void {
  write(key, v);
}
