import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Logger } from '../core/log.js';
import { INTERNAL_ERROR_CODE, type ErrorCode } from '../core/errors.js';
import type { GateAgent } from './agent.js';
import { checkLane, type LaneAccess } from './lane-access.js';
import { GateStats, serveGateMetrics } from './metrics.js';

/**
 * The agent's local HTTP API for turnstiles and handhelds on the node. Plain
 * node:http: four routes, no framework on the hot path.
 *
 *   POST /scan    {qr | idNumber | cardUid | face, direction?: "in"|"out", group?: true, sensor?: true, persons?: n}
 *                 → 200 {scanId, open, reason, display, ticketId, mode, tickets[]}
 *   GET  /health  → the gate's health (last sync, journal backlog, offline since, recent
 *                   scan service times, ...)
 *   GET  /metrics → Prometheus text: scans by decision and reason, backlog, online, latency
 *                   (only with SCENIC_METRICS_TOKEN; else on the dedicated metrics port)
 *   GET  /healthz → liveness; GET /readyz → 200 once keys and rules are loaded
 */
const ScanBody = z
  .object({
    qr: z.string().max(2048).optional(),
    idNumber: z.string().min(1).max(64).optional(),
    cardUid: z.string().min(1).max(64).optional(),
    face: z.string().max(1_000_000).optional(),
    direction: z.enum(['in', 'out']).default('in'),
    group: z.boolean().default(false),
    /** An exit passage reported by the turnstile's sensor (the only anonymous exit that counts). */
    sensor: z.literal(true).optional(),
    /** A group ticket (core/groups): the persons going through now; absent: all still outside. */
    persons: z.number().int().min(1).max(100).optional(),
  })
  .strict()
  .refine(
    (b) => [b.qr, b.idNumber, b.cardUid, b.face].filter((v) => v !== undefined).length <= 1,
    'give one of qr, idNumber, cardUid, face',
  )
  .refine(
    (b) => b.direction === 'out' || [b.qr, b.idNumber, b.cardUid, b.face].some((v) => v !== undefined),
    'an entry needs qr, idNumber, cardUid or face',
  )
  .refine((b) => !b.sensor || b.direction === 'out', 'a sensor event is an exit');

const MAX_BODY = 1_100_000;

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const s = JSON.stringify(body);
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(s) });
  res.end(s);
}

/**
 * problem+json of the agent's own small server (no express, no DomainError): its
 * statuses are explicit, its codes declared like every other (core/checkin/errors.ts).
 */
function problem(
  res: ServerResponse,
  status: number,
  code: ErrorCode | typeof INTERNAL_ERROR_CODE,
  detail: string,
): void {
  send(
    res,
    status,
    { type: `https://scenic.dev/problems/${code}`, title: code.replace(/_/g, ' '), status, code, detail },
    'application/problem+json',
  );
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('body_too_large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export interface GateServerOptions {
  /** Shared with the dedicated metrics listener, when there is one. */
  stats?: GateStats;
  /** SCENIC_METRICS_TOKEN: /metrics on the lane API answers only to its bearer; without it, 404. */
  metricsToken?: string;
  /** Host names and lane tokens (gate/lane-access.ts); default: loopback use, no token. */
  laneAccess?: LaneAccess;
}

/** The routes a kubelet probes: no token, nothing about visitors. */
const PROBES = new Set(['/healthz', '/readyz']);
/** /metrics has a token of its own (the scrape token): only its Host is checked. */
const OWN_TOKEN = new Set(['/metrics']);

export function createGateServer(agent: GateAgent, log: Logger, o: GateServerOptions = {}): Server {
  const stats = o.stats ?? new GateStats();
  const { latency } = stats;
  // The staff handheld page is served by the API but talks to the agent of its entrance
  // directly (so it keeps working when the centre is unreachable): browsers need CORS
  // for that, granted only to the origins listed in SCENIC_GATE_ALLOWED_ORIGINS.
  const allowed = new Set(
    (process.env.SCENIC_GATE_ALLOWED_ORIGINS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
  const access: LaneAccess = o.laneAccess ?? { lanes: new Map(), allowedHosts: new Set() };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0]!;
    const origin = req.headers.origin;
    if (origin && allowed.has(origin)) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('vary', 'Origin');
      if (req.method === 'OPTIONS') {
        res.writeHead(204, {
          'access-control-allow-methods': 'GET, POST',
          'access-control-allow-headers': 'content-type, authorization',
          'access-control-max-age': '600',
        });
        res.end();
        return;
      }
    }
    if (!PROBES.has(path)) {
      const lane = checkLane(req, access, OWN_TOKEN.has(path));
      if (!lane.ok)
        return problem(
          res,
          lane.status,
          lane.status === 421 ? 'gate_host_refused' : 'lane_token_required',
          lane.why,
        );
    }
    if (req.method === 'POST' && path === '/scan') {
      // JSON only: a browser may send a text/plain or form POST from any page without
      // asking first (no CORS preflight); insisting on application/json means a page of
      // another origin must ask, and is refused unless SCENIC_GATE_ALLOWED_ORIGINS lists it.
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== 'application/json')
        return problem(
          res,
          415,
          'unsupported_media_type',
          'a scan is a JSON body with Content-Type: application/json',
        );
      let raw: string;
      try {
        raw = await readBody(req);
      } catch {
        return problem(res, 413, 'body_too_large', 'request body is too large');
      }
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        return problem(res, 400, 'malformed_json', 'request body is not valid JSON');
      }
      const t0 = performance.now();
      const parsed = ScanBody.safeParse(json);
      if (!parsed.success)
        return problem(
          res,
          400,
          'invalid_scan',
          parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
        );
      stats.inFlight += 1;
      let result: Awaited<ReturnType<GateAgent['scan']>>;
      try {
        result = await agent.scan(parsed.data);
      } finally {
        stats.inFlight -= 1;
      }
      send(res, 200, result);
      latency.add(performance.now() - t0);
      for (const t of result.tickets) stats.count(parsed.data.direction, t.open, t.reason);
      return;
    }
    if (req.method === 'GET' && path === '/health')
      return send(res, 200, {
        ...agent.health(),
        online: agent.online,
        ready: agent.state.ready,
        inPark: agent.state.inPark(),
        scanLatency: latency.summary(),
      });
    // The lane API is on the entrance LAN: its /metrics exists only behind the scrape token
    // (else Prometheus scrapes the dedicated metrics port, which the LAN cannot reach).
    if (req.method === 'GET' && path === '/metrics') {
      if (serveGateMetrics(req, res, agent, stats, { token: o.metricsToken, open: false }) !== 'closed')
        return;
      return problem(res, 404, 'route_not_found', `no route for ${req.method} ${path}`);
    }
    if (req.method === 'GET' && path === '/healthz') return send(res, 200, { status: 'ok' });
    if (req.method === 'GET' && path === '/readyz')
      return send(res, agent.state.ready ? 200 : 503, { ready: agent.state.ready });
    return problem(res, 404, 'route_not_found', `no route for ${req.method} ${path}`);
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.error({ err }, 'scan handler failed');
      if (!res.headersSent)
        problem(res, 500, INTERNAL_ERROR_CODE, 'an unexpected error occurred; it has been logged');
    });
  });
  server.keepAliveTimeout = 65_000;
  return server;
}
