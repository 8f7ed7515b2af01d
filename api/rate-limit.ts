import type { Request, RequestHandler, Response } from 'express';
import type { Redis } from '../core/redis/client.js';
import { DomainError } from '../core/errors.js';
import { luaScripts } from '../core/lua.js';
import type { Actor } from '../core/orders/model.js';

/**
 * A fixed-window limit per caller (the actor, or the client address when anonymous),
 * shared by every API replica through Redis: one script call per request (lua/fixed-window.lua).
 */
export interface LimitOptions {
  name: string;
  limit: number;
  windowSeconds: number;
  now: () => number;
}

const scripts = luaScripts(new URL('./lua/', import.meta.url), {
  fixedWindow: { file: 'fixed-window.lua', keys: 1 },
});

/** Counts one request of `who`; returns the count and throws `rate_limited` past the limit. */
export async function hitLimit(redis: Redis, opts: LimitOptions, who: string): Promise<number> {
  const window = Math.floor(opts.now() / 1000 / opts.windowSeconds);
  const key = `rl:${opts.name}:${who}:${window}`;
  const count = Number(await scripts.run(redis, 'fixedWindow', [key], [opts.windowSeconds + 1]));
  if (count > opts.limit) {
    const retry = opts.windowSeconds - (Math.floor(opts.now() / 1000) % opts.windowSeconds);
    throw new DomainError('rate-limited', 'rate_limited', `too many requests; retry in ${retry} s`, {
      retryAfterSeconds: retry,
      limit: opts.limit,
    });
  }
  return count;
}

/** Who a request counts against: its actor, else its client address (behind trusted proxies). */
const callerOf = (req: Request, res: Response) => {
  const a = res.locals.actor as Actor | undefined;
  return a ? `${a.kind}:${a.id}` : `ip:${req.ip ?? 'unknown'}`;
};

/** `hitLimit`, with the limit's headers set as it goes (also when it refuses). */
export async function hitLimitWithHeaders(
  redis: Redis,
  opts: LimitOptions,
  who: string,
  setHeader: (name: string, value: string) => void,
): Promise<void> {
  setHeader('RateLimit-Limit', String(opts.limit));
  try {
    const count = await hitLimit(redis, opts, who);
    setHeader('RateLimit-Remaining', String(Math.max(0, opts.limit - count)));
  } catch (e) {
    setHeader('RateLimit-Remaining', '0');
    throw e;
  }
}

export function rateLimit(redis: Redis, opts: LimitOptions): RequestHandler {
  return async (req, res, next) => {
    try {
      await hitLimitWithHeaders(redis, opts, callerOf(req, res), (k, v) => res.setHeader(k, v));
    } catch (e) {
      return next(e);
    }
    next();
  };
}

/** The writes bucket of `readWriteLimits`, which the order lane (api/order-lane.ts) counts in too. */
export const writesLimit = (limit: number, now: () => number): LimitOptions => ({
  name: 'writes',
  limit,
  windowSeconds: 60,
  now,
});

/**
 * Reads (GET, HEAD) and writes in buckets of their own, per caller: a buyer's page polling
 * its order every 2 s spends reads, never the writes its purchase needs (issue 17 item 9).
 */
export function readWriteLimits(
  redis: Redis,
  o: { reads: number; writes: number; now: () => number },
): RequestHandler {
  const reads = rateLimit(redis, { name: 'reads', limit: o.reads, windowSeconds: 60, now: o.now });
  const writes = rateLimit(redis, writesLimit(o.writes, o.now));
  return (req, res, next) =>
    req.method === 'GET' || req.method === 'HEAD' ? reads(req, res, next) : writes(req, res, next);
}
