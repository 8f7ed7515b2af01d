import { ApiError } from '../lib/api.js';
import { readKey, writeKey } from '../lib/store.js';

/**
 * What a signed-in handheld keeps: its credential (a device key `sk_…`, or a person's
 * session `ss1_…` from signing in with an account) and the gate agent it talks to. A
 * device key stays on the device (localStorage); a person's session only in this tab
 * (sessionStorage), so the next person on a shared handheld signs in as themselves.
 */
export interface Creds {
  key: string;
  agent: string;
}
const CREDS = 'scenic.staff.v1';
const isSession = (c: Creds) => c.key.startsWith('ss1_');
export function savedCreds(): Creds | null {
  try {
    const tab = sessionStorage.getItem(CREDS);
    if (tab) return JSON.parse(tab) as Creds;
  } catch {
    /* storage disabled: fall back to the device's key, if any */
  }
  return readKey<Creds | null>(CREDS, null);
}
export function saveCreds(c: Creds | null): void {
  try {
    if (c && isSession(c)) sessionStorage.setItem(CREDS, JSON.stringify(c));
    else sessionStorage.removeItem(CREDS);
  } catch {
    /* storage disabled: the session lasts as long as the page */
  }
  writeKey(CREDS, c && !isSession(c) ? c : null);
}

/** What the agent's `GET /health` answers (gate/server.ts), as far as the page reads it. */
export interface AgentHealth {
  online: boolean;
  ready: boolean;
}

/** Calls the gate agent of this entrance: same-origin relay (with the staff key) or the agent itself. */
export async function agentCall<T>(c: Creds, path: string, body?: unknown): Promise<T> {
  const direct = /^https?:\/\//.test(c.agent);
  const res = await fetch(`${c.agent.replace(/\/+$/, '')}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(direct ? {} : { authorization: `Bearer ${c.key}` }),
    },
    body: body === undefined ? null : JSON.stringify(body),
  });
  const j = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok)
    throw new ApiError(
      res.status,
      typeof j.code === 'string' ? j.code : `http_${res.status}`,
      typeof j.detail === 'string' ? j.detail : res.statusText,
    );
  return j as T;
}
