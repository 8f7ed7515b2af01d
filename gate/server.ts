import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Logger } from '../core/log.js';
import { INTERNAL_ERROR_CODE, type ErrorCode } from '../core/errors.js';
import type { GateAgent } from './agent.js';

/**
 * The agent's local HTTP API for turnstiles and handhelds on the node. Plain
 * node:http: four routes, no framework on the hot path.
 *
 *   POST /scan    {qr | idNumber | cardUid | face, direction?: "in"|"out", group?: true}
 *                 → 200 {scanId, open, reason, display, ticketId, mode, tickets[]}
 *   GET  /health  → the gate's health (last sync, journal backlog, offline since, recent
 *                   scan service times, ...)
 *   GET  /metrics → Prometheus text: scans by decision and reason, backlog, online, latency
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
  })
  .strict()
  .refine(
    (b) => [b.qr, b.idNumber, b.cardUid, b.face].filter((v) => v !== undefined).length <= 1,
    'give one of qr, idNumber, cardUid, face',
  )
  .refine(
    (b) => b.direction === 'out' || [b.qr, b.idNumber, b.cardUid, b.face].some((v) => v !== undefined),
    'an entry needs qr, idNumber, cardUid or face',
  );

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

/** Service times of the last scans (request read → answer written), for /health. */
class LatencyWindow {
  private readonly ms = new Float64Array(4096);
  private n = 0;

  add(ms: number): void {
    this.ms[this.n % this.ms.length] = ms;
    this.n += 1;
  }

  summary(): { scans: number; p50Ms: number; p99Ms: number; maxMs: number } | null {
    const len = Math.min(this.n, this.ms.length);
    if (!len) return null;
    const sorted = this.ms.slice(0, len).sort();
    const at = (p: number) => Number(sorted[Math.min(len - 1, Math.floor(p * len))]!.toFixed(3));
    return { scans: len, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: Number(sorted[len - 1]!.toFixed(3)) };
  }
}

/** Prometheus text exposition of the agent's own figures (scraped on the node). */
function metrics(
  agent: GateAgent,
  latency: LatencyWindow,
  answers: Map<string, number>,
  inFlight: number,
): string {
  const h = agent.health();
  const lines = [
    '# HELP scenic_gate_scans_total Scans answered, by decision and reason.',
    '# TYPE scenic_gate_scans_total counter',
    ...[...answers].map(([k, n]) => {
      const [direction, open, reason] = k.split('|');
      return `scenic_gate_scans_total{direction="${direction}",decision="${open === 'true' ? 'admit' : 'deny'}",reason="${reason}"} ${n}`;
    }),
    '# HELP scenic_gate_journal_backlog Journal entries not yet acknowledged by the centre.',
    '# TYPE scenic_gate_journal_backlog gauge',
    `scenic_gate_journal_backlog ${h.journalBacklog}`,
    '# HELP scenic_gate_online 1 while the centre answers.',
    '# TYPE scenic_gate_online gauge',
    `scenic_gate_online ${agent.online ? 1 : 0}`,
    '# HELP scenic_gate_offline_seconds Seconds since the link was lost (0 when online).',
    '# TYPE scenic_gate_offline_seconds gauge',
    `scenic_gate_offline_seconds ${h.offlineSince ? Math.max(0, (Date.now() - Date.parse(h.offlineSince)) / 1000).toFixed(1) : 0}`,
    '# HELP scenic_gate_journal_ok 0 when the last journal write failed (gate shut).',
    '# TYPE scenic_gate_journal_ok gauge',
    `scenic_gate_journal_ok ${h.journalOk ? 1 : 0}`,
    '# HELP scenic_gate_manifest_tickets Tickets in the synced manifest.',
    '# TYPE scenic_gate_manifest_tickets gauge',
    `scenic_gate_manifest_tickets ${h.manifestTickets}`,
    '# HELP scenic_gate_in_park Estimated people inside the area (centre figure + unsynced movements).',
    '# TYPE scenic_gate_in_park gauge',
    `scenic_gate_in_park ${agent.state.inPark()}`,
    '# HELP scenic_gate_scans_in_flight Scans received and not yet answered: the verification queue.',
    '# TYPE scenic_gate_scans_in_flight gauge',
    `scenic_gate_scans_in_flight ${inFlight}`,
  ];
  const l = latency.summary();
  if (l) {
    lines.push(
      '# HELP scenic_gate_scan_seconds Scan service time over the last scans (journal commit included).',
      '# TYPE scenic_gate_scan_seconds summary',
      `scenic_gate_scan_seconds{quantile="0.5"} ${l.p50Ms / 1000}`,
      `scenic_gate_scan_seconds{quantile="0.99"} ${l.p99Ms / 1000}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export function createGateServer(agent: GateAgent, log: Logger): Server {
  const latency = new LatencyWindow();
  const answers = new Map<string, number>();
  // scans being verified (resolve, the centre's pre-check, the journal's fsync): a number
  // that keeps growing means turnstiles wait on this agent
  let inFlight = 0;
  const count = (direction: string, open: boolean, reason: string) => {
    const k = `${direction}|${open}|${reason}`;
    answers.set(k, (answers.get(k) ?? 0) + 1);
  };
  // The staff handheld page is served by the API but talks to the agent of its entrance
  // directly (so it keeps working when the centre is unreachable): browsers need CORS
  // for that, granted only to the origins listed in SCENIC_GATE_ALLOWED_ORIGINS.
  const allowed = new Set(
    (process.env.SCENIC_GATE_ALLOWED_ORIGINS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    const origin = req.headers.origin;
    if (origin && allowed.has(origin)) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('vary', 'Origin');
      if (req.method === 'OPTIONS') {
        res.writeHead(204, {
          'access-control-allow-methods': 'GET, POST',
          'access-control-allow-headers': 'content-type',
          'access-control-max-age': '600',
        });
        res.end();
        return;
      }
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
      inFlight += 1;
      let result: Awaited<ReturnType<GateAgent['scan']>>;
      try {
        result = await agent.scan(parsed.data);
      } finally {
        inFlight -= 1;
      }
      send(res, 200, result);
      latency.add(performance.now() - t0);
      for (const t of result.tickets) count(parsed.data.direction, t.open, t.reason);
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
    if (req.method === 'GET' && path === '/metrics') {
      const body = metrics(agent, latency, answers, inFlight);
      res.writeHead(200, {
        'content-type': 'text/plain; version=0.0.4',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
      return;
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
