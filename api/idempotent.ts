import type { Request, Response } from 'express';
import type { DomainError } from '../core/errors.js';
import {
  requestHash,
  runIdempotent,
  validateKey,
  type IdempotencyKey,
  type StoredResponse,
} from '../core/idempotency.js';
import { actorName } from '../core/orders/model.js';
import type { AppContext } from './context.js';
import { actorOf } from './context.js';
import { problemBody } from './problem.js';

/**
 * Runs a POST handler once per `Idempotency-Key` (scoped to the caller) and replays
 * the stored response to retries. Replays carry `Idempotent-Replayed: true`.
 */
export async function idempotent<T>(
  ctx: AppContext,
  req: Request,
  res: Response,
  fn: (k: IdempotencyKey) => Promise<StoredResponse<T>>,
): Promise<void> {
  const key = validateKey(req.get('idempotency-key'));
  const k: IdempotencyKey = {
    scope: actorName(actorOf(res)),
    key,
    requestHash: requestHash(req.method, req.path, req.body),
  };
  const out = await runIdempotent(ctx.platform.db, ctx.platform.clock, k, fn, (e: DomainError) =>
    problemBody(e, req.originalUrl),
  );
  if (out.replayed) res.setHeader('Idempotent-Replayed', 'true');
  const isProblem = out.status >= 400;
  res
    .status(out.status)
    .type(isProblem ? 'application/problem+json' : 'application/json')
    .json(out.body);
}
