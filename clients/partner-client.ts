/**
 * A small, dependency-free client for the Scenic partner API (`/partner/v1`) and its
 * OCTO endpoints (`/octo`). Partners may copy this one file: it needs Node 18+ (global
 * fetch, node:crypto) and nothing else. It signs every request with SCENIC-HMAC-SHA256
 * (version 2: host and key id included) and verifies the webhooks Scenic sends, signed under
 * SCENIC-WEBHOOK-HMAC-SHA256 with the key's webhook secret (not the request secret).
 *
 *   const c = new PartnerClient({ baseUrl: 'https://tickets.example', keyId: 'pk_…', secret: '…' });
 *   const av = await c.availability('west-lake', '2026-05-01');
 *   const o = await c.createOrder({ partnerOrderId: 'CTRIP-123', areaId: 'west-lake', date: '2026-05-01', slotId: '0900',
 *                                   items: [{ productId: 'adult', visitors: [{ name: '张三', idNumber: '…' }] }] });
 *   await c.confirm('CTRIP-123');
 *
 * The scheme is kept identical to core/channels/signature.ts by a test that verifies
 * this client's signatures with the server's code.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { pathToFileURL } from 'node:url';

export interface PartnerClientOptions {
  baseUrl: string;
  keyId: string;
  secret: string;
  /** for tests: the clock and the fetch implementation */
  now?: () => number;
  fetch?: typeof fetch;
}

export class PartnerApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: { code?: string; detail?: string; [k: string]: unknown },
  ) {
    super(`${status} ${problem.code ?? 'error'}: ${problem.detail ?? ''}`);
    this.name = 'PartnerApiError';
  }
}

const ALGORITHM = 'SCENIC-HMAC-SHA256';
const WEBHOOK_ALGORITHM = 'SCENIC-WEBHOOK-HMAC-SHA256';
const sha256Hex = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const rfc3986 = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function canonicalQuery(q: string): string {
  if (!q) return '';
  const dec = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
  return q
    .split('&')
    .filter(Boolean)
    .map((kv): [string, string] => {
      const i = kv.indexOf('=');
      return i < 0 ? [dec(kv), ''] : [dec(kv.slice(0, i)), dec(kv.slice(i + 1))];
    })
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`)
    .join('&');
}

const toSign = (algorithm: string, p: string[]) => [algorithm, ...p].join('\n');
const mac = (secret: string, s: string) => `v2=${createHmac('sha256', secret).update(s).digest('base64url')}`;

/**
 * The signature headers for one request to `host` (as the Host header carries it, with the
 * port unless default) and `target` (path + optional ?query, as sent).
 */
export function signHeaders(o: {
  keyId: string;
  secret: string;
  method: string;
  host: string;
  target: string;
  body?: string;
  nowMs?: number;
  nonce?: string;
}): Record<string, string> {
  const i = o.target.indexOf('?');
  const path = i < 0 ? o.target : o.target.slice(0, i);
  const query = i < 0 ? '' : o.target.slice(i + 1);
  const timestamp = String(Math.floor((o.nowMs ?? Date.now()) / 1000));
  const nonce = o.nonce ?? randomBytes(18).toString('base64url');
  const bodySha256 = sha256Hex(o.body ?? '');
  const s = toSign(ALGORITHM, [
    o.method.toUpperCase(),
    o.host.toLowerCase(),
    path,
    canonicalQuery(query),
    timestamp,
    nonce,
    o.keyId,
    bodySha256,
  ]);
  return {
    'x-scenic-key': o.keyId,
    'x-scenic-timestamp': timestamp,
    'x-scenic-nonce': nonce,
    'x-scenic-content-sha256': bodySha256,
    'x-scenic-signature': mac(o.secret, s),
  };
}

/**
 * Verifies a webhook from Scenic with the key's webhook secret (issued with the key, apart
 * from the request secret): `url` is the URL it was posted to, `rawBody` the exact bytes
 * received. Remember the `x-scenic-nonce` (or the event id) to drop replays.
 */
export function verifyWebhook(o: {
  webhookSecret: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: string | Uint8Array;
  nowMs?: number;
  maxSkewSeconds?: number;
}): boolean {
  const h = (n: string) => {
    const v = o.headers[n];
    return Array.isArray(v) ? v[0] : v;
  };
  const ts = h('x-scenic-timestamp');
  const nonce = h('x-scenic-nonce');
  const sig = h('x-scenic-webhook-signature');
  const keyId = h('x-scenic-key');
  if (!ts || !nonce || !sig || !keyId) return false;
  if (Math.abs(Math.floor((o.nowMs ?? Date.now()) / 1000) - Number(ts)) > (o.maxSkewSeconds ?? 300))
    return false;
  const u = new URL(o.url);
  const bodySha256 = sha256Hex(o.rawBody);
  const s = toSign(WEBHOOK_ALGORITHM, [
    'POST',
    u.host.toLowerCase(),
    u.pathname,
    canonicalQuery(u.search.slice(1)),
    ts,
    nonce,
    keyId,
    bodySha256,
  ]);
  const want = Buffer.from(mac(o.webhookSecret, s));
  const got = Buffer.from(sig);
  return want.length === got.length && timingSafeEqual(want, got);
}

type Json = Record<string, unknown>;

export interface OrderRequest {
  partnerOrderId: string;
  areaId: string;
  date: string;
  slotId: string;
  items: { productId: string; visitors: { name: string; idType?: string; idNumber: string }[] }[];
  contactPhone?: string;
}

export class PartnerClient {
  private readonly base: string;
  private readonly now: () => number;
  private readonly doFetch: typeof fetch;
  constructor(private readonly o: PartnerClientOptions) {
    this.base = o.baseUrl.replace(/\/+$/, '');
    this.now = o.now ?? Date.now;
    this.doFetch = o.fetch ?? fetch;
  }

  /** One signed request; throws PartnerApiError with the problem document on 4xx/5xx. */
  async request<T = Json>(
    method: string,
    target: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    const res = await this.raw(method, target, body, headers);
    const text = await res.text();
    const type = res.headers.get('content-type') ?? '';
    const parsed = type.includes('json') && text ? (JSON.parse(text) as unknown) : text;
    if (!res.ok)
      throw new PartnerApiError(
        res.status,
        typeof parsed === 'object' && parsed ? (parsed as Json) : { detail: String(parsed) },
      );
    return parsed as T;
  }

  /** The signed fetch itself, for callers that want the Response. */
  raw(
    method: string,
    target: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const signed = signHeaders({
      keyId: this.o.keyId,
      secret: this.o.secret,
      method,
      host: new URL(this.base).host,
      target,
      body: data,
      nowMs: this.now(),
    });
    return this.doFetch(this.base + target, {
      method,
      headers: {
        ...(data !== undefined ? { 'content-type': 'application/json' } : {}),
        accept: 'application/json',
        ...headers,
        ...signed,
      },
      body: data,
    });
  }

  products(areaId: string, date: string) {
    return this.request('GET', `/partner/v1/areas/${encodeURIComponent(areaId)}/products?date=${date}`);
  }
  availability(areaId: string, date: string) {
    return this.request('GET', `/partner/v1/areas/${encodeURIComponent(areaId)}/availability?date=${date}`);
  }
  createOrder(o: OrderRequest) {
    return this.request('POST', '/partner/v1/orders', o);
  }
  order(ref: string) {
    return this.request('GET', `/partner/v1/orders/${encodeURIComponent(ref)}`);
  }
  confirm(ref: string) {
    return this.request('POST', `/partner/v1/orders/${encodeURIComponent(ref)}/confirm`);
  }
  cancel(ref: string) {
    return this.request('POST', `/partner/v1/orders/${encodeURIComponent(ref)}/cancel`);
  }
  refund(ref: string, r: { reason: string; ticketIds?: string[]; note?: string }, idempotencyKey: string) {
    return this.request('POST', `/partner/v1/orders/${encodeURIComponent(ref)}/refunds`, r, {
      'idempotency-key': idempotencyKey,
    });
  }
  tickets(ref: string) {
    return this.request('GET', `/partner/v1/orders/${encodeURIComponent(ref)}/tickets`);
  }
  ticketStatus(ticketId: string) {
    return this.request('GET', `/partner/v1/tickets/${encodeURIComponent(ticketId)}`);
  }
  settlement(date: string) {
    return this.request('GET', `/partner/v1/settlements/${date}`);
  }
  settlementCsv(date: string) {
    return this.request<string>('GET', `/partner/v1/settlements/${date}.csv`);
  }
}

/**
 * From a shell: `npx tsx clients/partner-client.ts METHOD TARGET [JSON]` sends one signed
 * request to SCENIC_API_URL (default http://127.0.0.1:8080) with SCENIC_PARTNER_KEY and
 * SCENIC_PARTNER_SECRET, and prints the answer (JSON, or the text of a CSV); a refusal
 * prints the problem document and exits 1.
 */
async function cli(args: string[]): Promise<number> {
  const [method, target, json] = args;
  const keyId = process.env.SCENIC_PARTNER_KEY;
  const secret = process.env.SCENIC_PARTNER_SECRET;
  if (!method || !target?.startsWith('/') || !keyId || !secret) {
    console.error(
      'usage: SCENIC_PARTNER_KEY=pk_… SCENIC_PARTNER_SECRET=… npx tsx clients/partner-client.ts METHOD /partner/v1/… [JSON body]',
    );
    return 2;
  }
  const c = new PartnerClient({
    baseUrl: process.env.SCENIC_API_URL ?? 'http://127.0.0.1:8080',
    keyId,
    secret,
  });
  try {
    const out = await c.request(
      method,
      target,
      json === undefined ? undefined : (JSON.parse(json) as unknown),
    );
    process.stdout.write(typeof out === 'string' ? out : `${JSON.stringify(out, null, 2)}\n`);
    return 0;
  } catch (e) {
    if (!(e instanceof PartnerApiError)) throw e;
    console.error(JSON.stringify(e.problem, null, 2));
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  void cli(process.argv.slice(2)).then((code) => (process.exitCode = code));
