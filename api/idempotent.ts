import type { Request, Response } from 'express';
import { createHash } from 'node:crypto';
import { inputError, type DomainError } from '../core/errors.js';
import {
  requestHash,
  runIdempotent,
  runIdempotentInTransaction,
  validateKey,
  type IdempotencyKey,
  type StoredResponse,
} from '../core/idempotency.js';
import { actorName } from '../core/orders/model.js';
import type { AppContext } from './context.js';
import { actorOf } from './context.js';
import { problemBody } from './problem.js';

const CLIENT_SECRET = /^[A-Za-z0-9_.~-]{16,128}$/;

/**
 * The caller's idempotency secret: X-Client-Secret (a random value the client keeps for
 * the request), else the Idempotency-Key itself (then make it a random UUID).
 */
function clientSecret(req: Request, key: string): string {
  const s = req.get('x-client-secret');
  if (s === undefined) return key;
  if (!CLIENT_SECRET.test(s))
    throw inputError('invalid_input', 'X-Client-Secret must be 16-128 URL-safe characters', [
      { path: 'header.X-Client-Secret', message: 'malformed' },
    ]);
  return s;
}

/**
 * Runs a POST handler once per `Idempotency-Key` (scoped to the caller) and replays
 * the stored response to retries. Replays carry `Idempotent-Replayed: true`.
 *
 * Anonymous callers are not one caller: their keys are scoped by the hash of their client
 * secret, so a stranger sending someone's key gets nothing of theirs (issue 17 item 14).
 * `replay` puts back what the stored answer leaves out (tokens derived from the secret).
 */
export async function idempotent<T>(
  ctx: AppContext,
  req: Request,
  res: Response,
  fn: (k: IdempotencyKey) => Promise<StoredResponse<T>>,
  replay?: (stored: StoredResponse, k: IdempotencyKey) => unknown,
  /** the handler claims the key in its own transaction (`k.claim`): one commit, not two */
  opts: { claimInTransaction?: boolean } = {},
): Promise<void> {
  const key = validateKey(req.get('idempotency-key'));
  const secret = clientSecret(req, key);
  const actor = actorName(actorOf(res));
  const k: IdempotencyKey = {
    scope:
      actor === 'visitor:anonymous'
        ? `${actor}:${createHash('sha256').update(secret).digest('base64url').slice(0, 32)}`
        : actor,
    key,
    requestHash: requestHash(req.method, req.path, req.body),
    secret,
  };
  const run = opts.claimInTransaction ? runIdempotentInTransaction : runIdempotent;
  const out = await run(ctx.platform.db, ctx.platform.clock, k, fn, (e: DomainError) =>
    problemBody(e, req.originalUrl),
  );
  if (out.replayed && replay) out.body = replay(out, k);
  if (out.replayed) res.setHeader('Idempotent-Replayed', 'true');
  const isProblem = out.status >= 400;
  res
    .status(out.status)
    .type(isProblem ? 'application/problem+json' : 'application/json')
    .json(out.body);
}
