import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { DomainError } from '../core/errors.js';
import type { Actor } from '../core/orders/model.js';

/**
 * A fixed-window limit per caller (the actor, or the client address when anonymous),
 * shared by every API replica through Redis: one INCR per request, pipelined.
 */
export interface LimitOptions {
  name: string;
  limit: number;
  windowSeconds: number;
  now: () => number;
}

/** Counts one request of `who`; returns the count and throws `rate_limited` past the limit. */
export async function hitLimit(redis: Redis, opts: LimitOptions, who: string): Promise<number> {
  const window = Math.floor(opts.now() / 1000 / opts.windowSeconds);
  const key = `rl:${opts.name}:${who}:${window}`;
  const [[, count]] = (await redis
    .multi()
    .incr(key)
    .expire(key, opts.windowSeconds + 1)
    .exec()) as [[unknown, number], unknown];
  if (count > opts.limit) {
    const retry = opts.windowSeconds - (Math.floor(opts.now() / 1000) % opts.windowSeconds);
    throw new DomainError('rate-limited', 'rate_limited', `too many requests; retry in ${retry} s`, {
      retryAfterSeconds: retry,
      limit: opts.limit,
    });
  }
  return count;
}

export function rateLimit(redis: Redis, opts: LimitOptions): RequestHandler {
  return async (req, res, next) => {
    const a = res.locals.actor as Actor | undefined;
    const who = a ? `${a.kind}:${a.id}` : `ip:${req.ip ?? 'unknown'}`;
    res.setHeader('RateLimit-Limit', String(opts.limit));
    try {
      const count = await hitLimit(redis, opts, who);
      res.setHeader('RateLimit-Remaining', String(Math.max(0, opts.limit - count)));
    } catch (e) {
      res.setHeader('RateLimit-Remaining', '0');
      return next(e);
    }
    next();
  };
}
