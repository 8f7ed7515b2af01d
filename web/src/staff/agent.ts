import { ApiError } from '../lib/api.js';
import { readKey, writeKey } from '../lib/store.js';

/** What a signed-in handheld keeps: its staff key and the gate agent it talks to. */
export interface Creds {
  key: string;
  agent: string;
}
const CREDS = 'scenic.staff.v1';
export const savedCreds = (): Creds | null => readKey<Creds | null>(CREDS, null);
export const saveCreds = (c: Creds | null): void => writeKey(CREDS, c);

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
