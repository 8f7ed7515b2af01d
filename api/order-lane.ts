import type { IncomingMessage, ServerResponse } from 'node:http';
import { DomainError } from '../core/errors.js';
import { clientAddress, trustProxies } from '../core/client-address.js';
import type { Actor } from '../core/orders/model.js';
import type { AppContext, FastLane } from './context.js';
import type { IdempotentCall } from './idempotent.js';
import { readSmallBody, send } from './lane-io.js';
import { problemAnswer } from './problem.js';
import { visitorOf } from './observability.js';
import { hitLimitWithHeaders, type LimitOptions } from './rate-limit.js';
import { orderAnswer } from './routes/visitor.js';

export const ORDERS_PATH = '/v1/orders';
/** the route's path within the visitor router, mounted on /v1 (api/app.ts) */
const ROUTER_PATH = '/orders';

/** express.json's limit on the app (api/app.ts) */
const BODY_LIMIT = 64 * 1024;

/** The JSON bodies the lane reads itself; any other type or charset goes to express. */
const PLAIN_JSON = /^application\/json\s*(?:;\s*charset="?utf-8"?\s*)?$/i;
const VISITOR_SESSION = /^Bearer\s+(vs1\.\S+)$/i;
/** body-parser's strict mode: an object or an array, after JSON's own whitespace */
const STRICT_JSON = /^[ \t\n\r]*[{[]/;

const JSON_TYPE = 'application/json; charset=utf-8';
const PROBLEM_TYPE = 'application/problem+json; charset=utf-8';

/**
 * POST /v1/orders served before express (issue 19): for a visitor, anonymous or with a
 * visitor session, whose body is plain JSON, the one route every buyer, waiting-room
 * admission and box-office-less sale goes through skips the router's walk past every
 * feature's middleware, body-parser and the response helpers — about a fifth of the API's
 * CPU per order. It does what that chain does for such a request, in the same order: the
 * online-users note, the body (express.json: 64 kB, strict), the caller (authenticate),
 * the writes limit (readWriteLimits), then the route's own `orderAnswer`; errors become
 * the same problem+json (problemAnswer), the request the same metric. Staff, partners and
 * devices (API keys, staff sessions), other body types and encodings go to express, whose
 * guard checks their permission and area.
 */
export function orderLane(ctx: AppContext, opts: { writes?: LimitOptions }): FastLane {
  const p = ctx.platform;
  const trust = trustProxies(p.cfg.SCENIC_TRUSTED_PROXIES);
  const claims = (req: IncomingMessage) => {
    const auth = req.headers.authorization;
    if (auth !== undefined && !VISITOR_SESSION.test(auth)) return false;
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return false;
    return PLAIN_JSON.test(req.headers['content-type'] ?? '');
  };
  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    const t0 = performance.now();
    const ip = clientAddress(req, trust);
    const headers: Record<string, string> = {};
    let status = 500;
    try {
      ctx.noteVisitor?.(visitorOf(req.headers, ip));
      const body = parseBody(await readSmallBody(req, BODY_LIMIT));
      const auth = VISITOR_SESSION.exec(req.headers.authorization ?? '');
      const actor: Actor = auth
        ? { kind: 'visitor', id: ctx.sessions.verify(auth[1]!, p.clock.now()) }
        : { kind: 'visitor', id: 'anonymous' };
      if (opts.writes)
        await hitLimitWithHeaders(
          p.redis,
          opts.writes,
          auth ? `visitor:${actor.id}` : `ip:${ip}`,
          (k, v) => (headers[k] = v),
        );
      const call: IdempotentCall = {
        method: 'POST',
        // the request hash covers express's `req.path` inside the /v1 router, so keys
        // stored by either server replay through the other
        path: ROUTER_PATH,
        url: ORDERS_PATH,
        body,
        header: (name) => {
          const v = req.headers[name];
          return Array.isArray(v) ? v.join(', ') : v;
        },
      };
      const device = call.header('x-device-id');
      const out = await orderAnswer(ctx, call, actor, { address: ip, deviceId: device });
      if (out.replayed) headers['idempotent-replayed'] = 'true';
      status = out.status;
      send(res, status, out.body, status >= 400 ? PROBLEM_TYPE : JSON_TYPE, headers);
    } catch (e) {
      const a = problemAnswer(p.log, e, { method: 'POST', path: ORDERS_PATH, instance: ORDERS_PATH });
      status = a.status;
      if (!res.headersSent) send(res, status, a.body, PROBLEM_TYPE, { ...headers, ...a.headers });
    } finally {
      ctx.observeRequest?.('POST', ORDERS_PATH, status, (performance.now() - t0) / 1000);
    }
  };
  return { method: 'POST', path: ORDERS_PATH, claims, serve: (req, res) => void serve(req, res) };
}

/** As express.json reads it: an empty body is `{}`, anything but an object or array is refused. */
function parseBody(text: string): unknown {
  if (!text) return {};
  if (STRICT_JSON.test(text))
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // answered below
    }
  throw new DomainError('input', 'malformed_json', 'request body is not valid JSON');
}
