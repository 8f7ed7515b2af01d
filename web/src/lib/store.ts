import type { Order } from './api.js';

/**
 * What the visitor's phone remembers (localStorage): orders bought here with their
 * access tokens and last known state (so tickets show offline), saved visitors, the
 * phone session and display preferences. Nothing here is needed by the server.
 */
const K = {
  orders: 'scenic.orders.v1',
  visitors: 'scenic.visitors.v1',
  session: 'scenic.session.v1',
  prefs: 'scenic.prefs.v1',
} as const;

function read<T>(key: string, fallback: T): T {
  try {
    const s = localStorage.getItem(key);
    return s ? (JSON.parse(s) as T) : fallback;
  } catch {
    return fallback;
  }
}
function write(key: string, v: unknown): void {
  try {
    localStorage.setItem(key, JSON.stringify(v));
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
export const savedVisitors = (): SavedVisitor[] => read<SavedVisitor[]>(K.visitors, []);
export function rememberVisitors(vs: SavedVisitor[]): void {
  const all = savedVisitors();
  for (const v of vs) if (!all.some((x) => x.idNumber === v.idNumber)) all.push(v);
  write(K.visitors, all.slice(-12));
}
export function forgetVisitor(idNumber: string): void {
  write(
    K.visitors,
    savedVisitors().filter((v) => v.idNumber !== idNumber),
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
