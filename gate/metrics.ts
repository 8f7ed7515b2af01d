import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { GateAgent } from './agent.js';

/** Service times of the last scans (request read → answer written), for /health. */
export class LatencyWindow {
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

/** What the lane API counts for /metrics and /health: answers, latency, scans in flight. */
export class GateStats {
  readonly latency = new LatencyWindow();
  readonly answers = new Map<string, number>();
  /**
   * Scans being verified (resolve, the centre's pre-check, the journal's fsync): a number
   * that keeps growing means turnstiles wait on this agent.
   */
  inFlight = 0;

  count(direction: string, open: boolean, reason: string): void {
    const k = `${direction}|${open}|${reason}`;
    this.answers.set(k, (this.answers.get(k) ?? 0) + 1);
  }
}

/** Prometheus text exposition of the agent's own figures. */
export function renderGateMetrics(agent: GateAgent, stats: GateStats): string {
  const h = agent.health();
  const lines = [
    '# HELP scenic_gate_scans_total Scans answered, by decision and reason.',
    '# TYPE scenic_gate_scans_total counter',
    ...[...stats.answers].map(([k, n]) => {
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
    `scenic_gate_scans_in_flight ${stats.inFlight}`,
  ];
  const l = stats.latency.summary();
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

/** `Authorization: Bearer <token>` compared in constant time. */
export function hasBearer(req: IncomingMessage, token: string): boolean {
  const got = Buffer.from(req.headers.authorization ?? '');
  const want = Buffer.from(`Bearer ${token}`);
  return got.length === want.length && timingSafeEqual(got, want);
}

/**
 * Serves /metrics on `res`, or refuses: with a scrape token only to its bearer; without
 * one, only where `open` (the agent's dedicated metrics port), never on the lane API.
 */
export function serveGateMetrics(
  req: IncomingMessage,
  res: ServerResponse,
  agent: GateAgent,
  stats: GateStats,
  o: { token?: string; open: boolean },
): 'served' | 'closed' | 'refused' {
  if (o.token ? !hasBearer(req, o.token) : !o.open) {
    if (!o.token) return 'closed';
    res.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
    return 'refused';
  }
  const body = renderGateMetrics(agent, stats);
  res.writeHead(200, {
    'content-type': 'text/plain; version=0.0.4',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
  return 'served';
}

/**
 * The agent's dedicated metrics listener (SCENIC_GATE_METRICS_PORT): /metrics and
 * /healthz only, apart from the lane API. In Kubernetes it is a container port without a
 * hostPort, so the entrance LAN never reaches it; Prometheus scrapes it over the pod
 * network.
 */
export function createMetricsServer(agent: GateAgent, stats: GateStats, token?: string): Server {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/healthz')
      return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    if (req.method === 'GET' && path === '/metrics') {
      serveGateMetrics(req, res, agent, stats, { token, open: true });
      return;
    }
    res.writeHead(404).end();
  });
  server.keepAliveTimeout = 65_000;
  return server;
}
