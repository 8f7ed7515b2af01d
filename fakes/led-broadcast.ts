import { timingSafeEqual } from 'node:crypto';
import type { Server } from 'node:http';
import type { DiversionMessage } from '../core/zones/model.js';
import { SIGNAGE_HEADERS, signageSignature } from '../core/zones/signage.js';
import { closeServer, listen } from './kit/http.js';

/**
 * A local LED-screen / loudspeaker controller bridge speaking Scenic's signage format
 * (core/zones/README.md): `POST /led/<name>` and `POST /broadcast/<name>` take a
 * diversion message as JSON. It checks what a real bridge should: the JSON shape, that
 * the path's kind is the message's `channel`, the signature when it was started with a
 * secret (`X-Scenic-Signage-Signature` over "<timestamp>\n<body>", timestamp within
 * 300 s) — and answers 204. Accepted messages are in `messages` (a repeat of the same
 * `id` is answered 204 and not shown twice, as a screen would), refusals in `refused`.
 * `down = true` makes it answer 503, to test a failed delivery.
 */
export interface LedBroadcastFake {
  url: string;
  /** the URL of one screen or loudspeaker */
  endpoint(kind: 'led' | 'broadcast', name: string): string;
  messages: { kind: string; name: string; message: DiversionMessage; at: number }[];
  refused: { path: string; status: number; reason: string }[];
  /** what each endpoint shows now (`led/<name>` → the shown message, or none after a clear) */
  showing: Map<string, DiversionMessage | undefined>;
  down: boolean;
  close(): Promise<void>;
}

export async function startLedBroadcastFake(o: { secret?: string; nowMs?: () => number } = {}) {
  const nowMs = o.nowMs ?? Date.now;
  const seen = new Set<string>();
  let server: Server;
  const fake = {
    messages: [],
    refused: [],
    showing: new Map(),
    down: false,
  } as unknown as LedBroadcastFake;
  const refuse = (path: string, status: number, reason: string) => {
    fake.refused.push({ path, status, reason });
    return status;
  };
  ({ server, url: fake.url } = await listen((req, res) => {
    const m = /^\/(led|broadcast)\/([a-z0-9][a-z0-9:_-]{0,62})$/.exec(req.url.pathname);
    const answer = (status: number, reason?: string) => {
      res.writeHead(status, reason ? { 'content-type': 'application/json' } : {});
      res.end(reason ? JSON.stringify({ error: reason }) : undefined);
    };
    if (fake.down) return answer(refuse(req.url.pathname, 503, 'down'), 'down');
    if (req.method !== 'POST' || !m)
      return answer(refuse(req.url.pathname, 404, 'no such endpoint'), 'not found');
    const body = req.body.toString('utf8');
    if (o.secret) {
      const ts = String(req.headers[SIGNAGE_HEADERS.timestamp] ?? '');
      const sig = Buffer.from(String(req.headers[SIGNAGE_HEADERS.signature] ?? ''));
      const want = Buffer.from(signageSignature(o.secret, ts, body));
      if (!/^\d+$/.test(ts) || Math.abs(Math.floor(nowMs() / 1000) - Number(ts)) > 300)
        return answer(refuse(req.url.pathname, 401, 'timestamp'), 'timestamp');
      if (sig.length !== want.length || !timingSafeEqual(sig, want))
        return answer(refuse(req.url.pathname, 401, 'signature'), 'signature');
    }
    let msg: DiversionMessage;
    try {
      msg = JSON.parse(body) as DiversionMessage;
    } catch {
      return answer(refuse(req.url.pathname, 400, 'not JSON'), 'not JSON');
    }
    const [, kind, name] = m as unknown as [string, string, string];
    if (
      msg.type !== 'scenic.zone.diversion' ||
      msg.version !== 1 ||
      !msg.id ||
      !msg.text?.zh ||
      !msg.text?.en
    )
      return answer(refuse(req.url.pathname, 400, 'not a diversion message'), 'bad message');
    if (msg.channel !== kind) return answer(refuse(req.url.pathname, 400, 'wrong channel'), 'wrong channel');
    const key = `${kind}/${name}`;
    if (seen.has(`${key}#${msg.id}`)) return answer(204);
    seen.add(`${key}#${msg.id}`);
    fake.messages.push({ kind, name, message: msg, at: nowMs() });
    fake.showing.set(key, msg.action === 'show' ? msg : undefined);
    return answer(204);
  }));
  fake.endpoint = (kind, name) => `${fake.url}/${kind}/${name}`;
  fake.close = () => closeServer(server);
  return fake;
}
