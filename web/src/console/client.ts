import { api, type RequestOptions } from '../lib/api.js';

/**
 * The console's calls. The session lives in the `__Host-` HttpOnly cookie the API set at
 * sign-in (scripts never see it); every unsafe request also carries the session's CSRF
 * token, kept for this tab only (sessionStorage), as api/staff-credentials.ts expects.
 */
const CSRF = 'scenic.console.csrf';

export const csrfToken = (): string | null => sessionStorage.getItem(CSRF);
export function setCsrfToken(t: string | null): void {
  if (t) sessionStorage.setItem(CSRF, t);
  else sessionStorage.removeItem(CSRF);
}

export function call<T>(path: string, o: Omit<RequestOptions, 'auth'> = {}): Promise<T> {
  const unsafe = (o.method ?? 'GET') !== 'GET';
  const token = csrfToken();
  return api<T>(path, {
    ...o,
    maxQueueAttempts: 1,
    headers: { ...(o.headers ?? {}), ...(unsafe && token ? { 'x-csrf-token': token } : {}) },
  });
}

/** What `GET /v1/staff/me` answers (api/staff-auth.ts `whoAmI`), as far as the console reads it. */
export interface Me {
  kind: string;
  id: string;
  role: string | null;
  areas: string[] | '*';
  permissions: string[];
  secondFactor: 'passed' | 'pending' | 'not_applicable';
  account: { username: string; displayName: string | null } | null;
}

/** Fen as yuan with two decimals (the console shows amounts, not prices to a visitor). */
export const yuan = (fen: number): string => `¥${(fen / 100).toFixed(2)}`;
