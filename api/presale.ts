import type { Express, Request, Response } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { inputError, rateLimited } from '../core/errors.js';
import { parseInput } from '../core/validation.js';
import { WaitingRoom, type RoomState } from '../core/presale/waiting-room.js';
import { JoinInput, WaitingRoomInput } from '../core/presale/inputs.js';
import { placePresaleHold } from '../core/presale/holds.js';
import { SoldOutCache } from '../core/inventory/sold-out.js';
import { refusalError } from '../core/inventory/errors.js';
import { audit } from '../core/audit/store.js';
import { actorOf, allow, areaParam, type AppContext } from './context.js';
import { problemAnswer, problemBody } from './problem.js';
import { hitLimit } from './rate-limit.js';
import { clientAddress, trustProxies } from '../core/client-address.js';
import { Shedder } from './overload.js';
import { readSmallBody, send } from './lane-io.js';
import { currentTelemetry } from '../core/telemetry/sdk.js';
import type { Feature } from './features.js';

/**
 * The presale door: the waiting room (`/v1/queue/...`) and the hold hot path
 * (`POST /v1/presale/holds`). The hot path is mounted before every app-wide
 * middleware and reads its tiny body itself: an admitted buyer pays for one HMAC
 * check, one in-memory sold-out check and one Lua call, nothing else.
 */
const slug = /^[a-z0-9][a-z0-9:_-]{0,62}$/;
const HOLD_PATH = '/v1/presale/holds';
const JOIN_PATH = '/v1/queue/:areaId/join';
const STATUS_PATH = '/v1/queue/:areaId/status';
const dateRe = /^\d{4}-\d{2}-\d{2}$/;

function parseHold(text: string) {
  let b: unknown;
  try {
    b = JSON.parse(text);
  } catch {
    throw inputError('malformed_json', 'request body is not valid JSON');
  }
  const o = (b ?? {}) as Record<string, unknown>;
  const bad: { path: string; message: string }[] = [];
  if (typeof o.areaId !== 'string' || !slug.test(o.areaId))
    bad.push({ path: 'areaId', message: 'lowercase id' });
  if (typeof o.date !== 'string' || !dateRe.test(o.date)) bad.push({ path: 'date', message: 'YYYY-MM-DD' });
  if (typeof o.slotId !== 'string' || !slug.test(o.slotId))
    bad.push({ path: 'slotId', message: 'lowercase id' });
  if (typeof o.quantity !== 'number' || !Number.isInteger(o.quantity) || o.quantity < 1 || o.quantity > 10)
    bad.push({ path: 'quantity', message: 'an integer from 1 to 10' });
  if (bad.length) throw inputError('invalid_input', `${bad[0]!.path}: ${bad[0]!.message}`, bad);
  return {
    areaId: o.areaId as string,
    date: o.date as string,
    slotId: o.slotId as string,
    quantity: o.quantity as number,
  };
}

function sendRoom(res: ServerResponse, s: RoomState): void {
  if (s.admitted) return send(res, 200, s);
  // behind the frontier: 429 with when to come back and where they stand, never a timeout
  const p = problemBody(
    rateLimited('waiting_room', `you are number ${s.position} in the queue; ${s.ahead} ahead of you`),
    undefined,
  );
  send(res, 429, { ...p.body, ...s }, 'application/problem+json', {
    'retry-after': String(s.retryAfterSeconds),
  });
}

// One waiting room and sold-out cache per app (tests build several apps per process).
const rooms = new WeakMap<AppContext, WaitingRoom>();

type Lane = (areaId: string, req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * The presale: the hold path and the waiting room's join and status, each a plain
 * node:http handler served by the HTTP server before express (a fast lane) and also
 * routed by express for apps mounted without it; and the admin's waiting-room setting.
 */
export function presaleFeature(): Feature {
  return {
    name: 'presale',
    early(app: Express, ctx: AppContext) {
      const p = ctx.platform;
      const room = new WaitingRoom(p.redis, p.cfg.SCENIC_LOOKUP_KEY, p.clock);
      rooms.set(ctx, room);
      const soldOut = new SoldOutCache();
      soldOut
        .start(p.connectRedis(), p.cfg.REDIS_PREFIX)
        .catch((e: unknown) => p.log.error({ err: e }, 'sold-out cache could not subscribe'));
      mountHold(app, ctx, holdHandler(ctx, room, soldOut));
      mountQueue(app, ctx, queueLanes(ctx, room));
    },
    routes(app: Express, ctx: AppContext) {
      waitingRoomAdmin(app, ctx, rooms.get(ctx)!);
    },
  };
}

/** POST /v1/presale/holds: admission checked, the sold-out cache first, then the stock. */
function holdHandler(ctx: AppContext, room: WaitingRoom, soldOut: SoldOutCache) {
  const p = ctx.platform;
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const t0 = performance.now();
    let status = 500;
    try {
      const h = parseHold(await readSmallBody(req, 1024));
      const device = req.headers['x-device-id'];
      const admission = room.verifyAdmission(
        h.areaId,
        req.headers['x-admission-token'] as string | undefined,
        typeof device === 'string' && device ? p.vault.lookupHash('device', device) : undefined,
      );
      if (soldOut.isSoldOut(h.areaId, h.date, h.slotId))
        throw refusalError('slot_sold_out', { fromCache: true });
      const { holdId, expiresAt, result } = await placePresaleHold(
        { inventory: p.inventory, catalog: p.catalog, room },
        h,
        admission,
        p.clock.now(),
      );
      if (!result.ok) {
        if (result.reason === 'slot_sold_out') soldOut.markSlot(h.areaId, h.date, h.slotId);
        throw refusalError(result.reason, { level: result.level });
      }
      status = 201;
      send(res, 201, {
        holdId,
        expiresAt: new Date(expiresAt).toISOString(),
        areaId: h.areaId,
        date: h.date,
        slotId: h.slotId,
        quantity: h.quantity,
        level: result.level,
      });
    } catch (e) {
      status = sendError(ctx, res, e, { method: 'POST', path: HOLD_PATH, instance: HOLD_PATH });
    } finally {
      ctx.observeRequest?.('POST', HOLD_PATH, status, (performance.now() - t0) / 1000);
    }
  };
}

/**
 * A thrown error as problem+json with its Retry-After, as express's routes answer it
 * (problemAnswer: a domain error's status, a Redis outage 503, else a logged 500);
 * returns the status.
 */
function sendError(
  ctx: AppContext,
  res: ServerResponse,
  e: unknown,
  where: { method: string; path: string; instance: string },
): number {
  const a = problemAnswer(ctx.platform.log, e, where);
  send(res, a.status, a.body, 'application/problem+json', a.headers);
  return a.status;
}

function mountHold(app: Express, ctx: AppContext, hold: ReturnType<typeof holdHandler>): void {
  ctx.fastLanes.push({ method: 'POST', path: HOLD_PATH, serve: (req, res) => void hold(req, res) });
  app.post(HOLD_PATH, (req: Request, res: Response) => void hold(req, res));
}

const checkAreaId = (areaId: string) => {
  if (!slug.test(areaId))
    throw inputError('invalid_input', 'areaId: lowercase id', [{ path: 'areaId', message: 'lowercase id' }]);
};

/** Joining and polling the room: the other presale hot paths, shed before any work when overloaded. */
function queueLanes(ctx: AppContext, room: WaitingRoom): { join: Lane; status: Lane } {
  const p = ctx.platform;
  const limits = {
    name: 'queue-join',
    limit: p.cfg.SCENIC_QUEUE_JOIN_PER_MINUTE,
    windowSeconds: 60,
    now: () => p.clock.now().getTime(),
  };
  const trust = trustProxies(p.cfg.SCENIC_TRUSTED_PROXIES);
  const join: Lane = async (areaId, req, res) => {
    checkAreaId(areaId);
    // the real client behind the ingress, not the ingress: one bucket per visitor
    await hitLimit(p.redis, limits, `ip:${clientAddress(req, trust)}`);
    const text = await readSmallBody(req, 1024);
    let body: unknown = {};
    try {
      body = text ? (JSON.parse(text) as unknown) : {};
    } catch {
      throw inputError('malformed_json', 'request body is not valid JSON');
    }
    const { deviceId } = parseInput(JoinInput, body);
    const state = await room.join(areaId, p.vault.lookupHash('device', deviceId));
    // the crowd of a presale is in the room: count it online (the gauge behind the "more
    // than 20,000 online" alert) by its place in line, which join and status both know
    ctx.noteVisitor?.(`queue:${areaId}:${state.position}`);
    sendRoom(res, state);
  };
  const status: Lane = async (areaId, req, res) => {
    checkAreaId(areaId);
    const token = req.headers['x-queue-token'];
    if (typeof token !== 'string')
      throw inputError('queue_token_required', 'send the queue token from join in X-Queue-Token', [
        { path: 'header.X-Queue-Token', message: 'missing' },
      ]);
    const state = await room.status(areaId, token);
    ctx.noteVisitor?.(`queue:${areaId}:${state.position}`);
    sendRoom(res, state);
  };
  const lane = sheddingLane(ctx);
  return { join: lane(JOIN_PATH, join), status: lane(STATUS_PATH, status) };
}

/**
 * Wraps a queue route: overloaded, it answers before any work (see api/overload.ts) —
 * a shed status poll keeps its place (the position is in the token), a shed join has
 * not joined yet; otherwise it runs the route and answers its errors as problem+json.
 */
function sheddingLane(ctx: AppContext): (route: string, fn: Lane) => Lane {
  const shedder = new Shedder(ctx.loopLag, ctx.platform.cfg.SCENIC_SHED_LAG_MS);
  const metrics = currentTelemetry()?.metrics;
  if (metrics?.has('scenic_eventloop_lag_seconds'))
    metrics.collect('event-loop-lag', () =>
      Promise.resolve([{ name: 'scenic_eventloop_lag_seconds', labels: {}, value: ctx.loopLag.ms / 1000 }]),
    );
  const shed = (route: string, req: IncomingMessage, res: ServerResponse) => {
    const retry = shedder.retryAfterSeconds();
    const token = /^q2\.[a-z0-9:_-]+\.(\d+)\./.exec(String(req.headers['x-queue-token'] ?? ''));
    const detail = route.endsWith('/status')
      ? `the waiting room is very busy; your place is kept, ask again in ${retry} s`
      : `the waiting room is very busy; you are not in line yet, try again in ${retry} s`;
    req.resume();
    send(
      res,
      429,
      {
        ...problemBody(rateLimited('waiting_room_busy', detail)).body,
        position: token ? Number(token[1]) : null,
        ahead: null,
        admitted: false,
        retryAfterSeconds: retry,
      },
      'application/problem+json',
      { 'retry-after': String(retry) },
    );
    metrics?.add('scenic_waiting_room_shed_total', 1, { route });
  };
  return (route, fn) => async (areaId, req, res) => {
    const t0 = performance.now();
    const method = req.method ?? 'GET';
    if (shedder.shedding) {
      shed(route, req, res);
      ctx.observeRequest?.(method, route, 429, (performance.now() - t0) / 1000);
      return;
    }
    try {
      await fn(areaId, req, res);
    } catch (e) {
      sendError(ctx, res, e, { method, path: route, instance: req.url ?? route });
    } finally {
      ctx.observeRequest?.(method, route, res.statusCode, (performance.now() - t0) / 1000);
    }
  };
}

function mountQueue(app: Express, ctx: AppContext, lanes: { join: Lane; status: Lane }): void {
  ctx.fastLanes.push(
    { method: 'POST', path: JOIN_PATH, serve: (req, res, at) => void lanes.join(at.areaId!, req, res) },
    { method: 'GET', path: STATUS_PATH, serve: (req, res, at) => void lanes.status(at.areaId!, req, res) },
  );
  app.post(JOIN_PATH, (req: Request, res: Response) => void lanes.join(String(req.params.areaId), req, res));
  app.get(
    STATUS_PATH,
    (req: Request, res: Response) => void lanes.status(String(req.params.areaId), req, res),
  );
}

/** PUT /v1/admin/areas/:areaId/waiting-room: when the room opens, how fast it admits. */
function waitingRoomAdmin(app: Express, ctx: AppContext, room: WaitingRoom): void {
  const p = ctx.platform;
  app.put(
    '/v1/admin/areas/:areaId/waiting-room',
    allow(ctx, 'areas.configure', areaParam()),
    async (req, res) => {
      const { areaId } = parseInput(z.object({ areaId: z.string().regex(slug) }), req.params);
      const c = parseInput(WaitingRoomInput, req.body);
      await p.catalog.area(areaId);
      const frontier = await room.configure(areaId, {
        opensAt: new Date(c.opensAt),
        closesAt: c.closesAt ? new Date(c.closesAt) : null,
        ratePerSecond: c.ratePerSecond,
        burst: c.burst,
        unitsPerAdmission: c.unitsPerAdmission,
      });
      await audit(p.db, actorOf(res), 'scenic.waiting_room.configured', areaId, c, { areaId });
      res.json({ areaId, ...c, frontier });
    },
  );
}
