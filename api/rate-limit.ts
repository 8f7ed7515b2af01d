import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { DomainError } from '../core/errors.js';
import type { Actor } from '../core/orders/model.js';

/**
 * A fixed-window limit per caller (the actor, or the client address when anonymous),
 * shared by every API replica through Redis: one INCR per request, pipelined.
 */
export function rateLimit(redis: Redis, opts: { name: string; limit: number; windowSeconds: number; now: () => number }): RequestHandler {
  return async (req, res, next) => {
    const a = res.locals.actor as Actor | undefined;
    const who = a ? `${a.kind}:${a.id}` : `ip:${req.ip ?? 'unknown'}`;
    const window = Math.floor(opts.now() / 1000 / opts.windowSeconds);
    const key = `rl:${opts.name}:${who}:${window}`;
    const [[, count]] = (await redis.multi().incr(key).expire(key, opts.windowSeconds + 1).exec()) as [[unknown, number], unknown];
    res.setHeader('RateLimit-Limit', String(opts.limit));
    res.setHeader('RateLimit-Remaining', String(Math.max(0, opts.limit - count)));
    if (count > opts.limit) {
      const retry = opts.windowSeconds - (Math.floor(opts.now() / 1000) % opts.windowSeconds);
      return next(new DomainError('rate-limited', 'rate_limited', `too many requests; retry in ${retry} s`, { retryAfterSeconds: retry }));
    }
    next();
  };
}
