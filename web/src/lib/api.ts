/**
 * The browser's client of the public API. Errors come back as problem+json with a
 * stable `code`; a 429 (rate limit or presale waiting room) is never an error: the
 * caller is told its place in line, waits Retry-After and the request is retried
 * with the same Idempotency-Key.
 */
export interface FieldError {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors: FieldError[] = [],
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** What a waiting visitor sees: place in line (when the server tells it) and wait. */
export interface QueueState {
  position: number | null;
  ahead: number | null;
  retryAfterSeconds: number;
  /** epoch ms of the next attempt */
  retryAt: number;
}

type QueueListener = (q: QueueState | null) => void;
const listeners = new Set<QueueListener>();
export const onQueue = (l: QueueListener): (() => void) => {
  listeners.add(l);
  return () => listeners.delete(l);
};
export const tellQueue = (q: QueueState | null) => listeners.forEach((l) => l(q));

export interface RequestOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Bearer credential: a staff key `sk_…` or a visitor session `vs1.…` */
  auth?: string | null;
  orderToken?: string | null;
  idempotencyKey?: string;
  /** give up waiting in line after this many attempts (default: keep waiting) */
  maxQueueAttempts?: number;
  signal?: AbortSignal;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(new DOMException('aborted', 'AbortError'));
    });
  });

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Reads the queue fields of a 429, whatever produced it (waiting room or rate limiter). */
export function queueStateOf(
  res: { headers: { get(n: string): string | null } },
  body: Record<string, unknown>,
  now: number,
): QueueState {
  const header = Number(res.headers.get('retry-after'));
  const retry = Number.isFinite(header) && header > 0 ? header : (num(body.retryAfterSeconds) ?? 5);
  return {
    position: num(body.position),
    ahead: num(body.ahead),
    retryAfterSeconds: retry,
    retryAt: now + retry * 1000,
  };
}

export async function api<T>(path: string, o: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = {
    accept: 'application/json, application/problem+json',
    ...(o.headers ?? {}),
  };
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  if (o.auth) headers.authorization = `Bearer ${o.auth}`;
  if (o.orderToken) headers['x-order-token'] = o.orderToken;
  if (o.idempotencyKey) headers['idempotency-key'] = o.idempotencyKey;
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(path, {
      method: o.method ?? 'GET',
      headers,
      body: o.body === undefined ? undefined : JSON.stringify(o.body),
      signal: o.signal ?? null,
    });
    const text = await res.text();
    let body: Record<string, unknown> = {};
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      body = { detail: text.slice(0, 200) };
    }
    if (res.status === 429 && attempt < (o.maxQueueAttempts ?? Infinity)) {
      const q = queueStateOf(res, body, Date.now());
      tellQueue(q);
      await sleep(q.retryAfterSeconds * 1000, o.signal);
      continue;
    }
    if (attempt > 1) tellQueue(null);
    if (!res.ok) {
      const code = typeof body.code === 'string' ? body.code : `http_${res.status}`;
      const detail = typeof body.detail === 'string' ? body.detail : res.statusText;
      throw new ApiError(
        res.status,
        code,
        detail,
        Array.isArray(body.errors) ? (body.errors as FieldError[]) : [],
        body,
      );
    }
    return body as T;
  }
}

/** A fresh Idempotency-Key (keep it for every retry of one intent). */
export const newKey = (): string =>
  crypto.randomUUID
    ? crypto.randomUUID()
    : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;

// ---- the API's shapes ------------------------------------------------------------
// Declared once, next to the code that builds them, and imported here as types only:
// `import type` is erased by the build, so no server code reaches the bundle (eslint
// refuses a value import from core/ outside the few dependency-free modules).

import type { AreaView, ProductView } from '../../../core/catalog/view.js';
import type { OrderView, TicketView } from '../../../core/orders/model.js';

export type { Slot } from '../../../core/catalog/catalog.js';
export type { DayAvailability, SlotAvailability } from '../../../core/inventory/availability.js';
export type { PricedDay, PricedSlot, SlotPrice } from '../../../core/forecast/availability.js';
export type { PaymentStart } from '../../../core/orders/payment.js';
export type { RefundResult } from '../../../core/orders/lifecycle.js';
export type { PaymentMethod, Sale } from '../../../core/channels/box-office.js';
export type { ScanResult } from '../../../gate/agent.js';

/** `GET /v1/areas/:areaId` (core/catalog/view.ts). */
export type Area = AreaView;
export type Product = ProductView;
export type Ticket = TicketView;
/** An order as the API answers it; `POST /v1/orders` adds the access token once (core/orders/place.ts). */
export type Order = OrderView & { accessToken?: string };
