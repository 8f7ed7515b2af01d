import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';

/**
 * Who may talk to the agent's lane API (issue 17 item 2). The API sits on the entrance
 * LAN: without a check, any LAN client could post exits until the area's in-park count is
 * 0, burn another visitor's ticket by ID number, or probe whether an ID number holds a
 * ticket today. So:
 *
 * - every lane device (turnstile controller, handheld) sends `Authorization: Bearer
 *   <its lane token>`; tokens come from a file (`<lane> <token>` per line, the entrance
 *   Secret's `lane-tokens` key in Kubernetes), compared by SHA-256 in constant time;
 * - the `Host` header must be an IP address, `localhost` or a name listed in
 *   SCENIC_GATE_ALLOWED_HOSTS, so a web page on a rebound DNS name cannot reach the API
 *   from a browser on the LAN.
 *
 * Liveness and readiness (`/healthz`, `/readyz`) answer without a token: the kubelet
 * probes them and they say nothing about visitors.
 */
export interface LaneAccess {
  /** lane name per SHA-256 of its token; empty: no token asked (loopback only) */
  lanes: Map<string, string>;
  allowedHosts: Set<string>;
}

const TOKEN = /^[A-Za-z0-9_-]{32,128}$/;
const LANE = /^[a-z0-9][a-z0-9-]{0,62}$/;
const digest = (s: string) => createHash('sha256').update(s).digest('hex');

/** Parses a lane-tokens file: `<lane> <token>` per line, `#` comments; throws naming the line. */
export function parseLaneTokens(text: string): Map<string, string> {
  const lanes = new Map<string, string>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const [lane, token, ...rest] = line.split(/\s+/);
    if (!lane || !token || rest.length || !LANE.test(lane) || !TOKEN.test(token))
      throw new Error(`line ${i + 1}: expected "<lane> <token>" (token: 32-128 base64url characters)`);
    lanes.set(digest(token), lane);
  });
  if (!lanes.size) throw new Error('no lane token in the file');
  return lanes;
}

export function loadLaneTokens(file: string): Map<string, string> {
  return parseLaneTokens(readFileSync(file, 'utf8'));
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
/** The agent needs lane tokens unless it listens on loopback only. */
export const needsLaneTokens = (host: string) => !LOOPBACK.has(host);

function hostName(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']'));
  return h.replace(/:\d+$/, '');
}

export type LaneVerdict = { ok: true; lane?: string } | { ok: false; status: 401 | 421; why: string };

/**
 * Checks a request's Host and, unless `hostOnly` (a route with a token of its own, as
 * /metrics), its lane token when lanes are configured.
 */
export function checkLane(req: IncomingMessage, access: LaneAccess, hostOnly = false): LaneVerdict {
  const host = hostName(req.headers.host);
  if (!host || !(isIP(host) || host === 'localhost' || access.allowedHosts.has(host)))
    return { ok: false, status: 421, why: `Host ${req.headers.host ?? '(none)'} is not this gate` };
  if (hostOnly || !access.lanes.size) return { ok: true };
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  const given = m ? digest(m[1]!) : undefined;
  if (given)
    for (const [hash, lane] of access.lanes)
      if (timingSafeEqual(Buffer.from(hash, 'hex'), Buffer.from(given, 'hex'))) return { ok: true, lane };
  return { ok: false, status: 401, why: 'a lane token is required (Authorization: Bearer <lane token>)' };
}
