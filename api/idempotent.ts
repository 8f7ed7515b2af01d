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
import { actorName, type Actor } from '../core/orders/model.js';
import type { AppContext } from './context.js';
import { actorOf } from './context.js';
import { problemBody } from './problem.js';

const CLIENT_SECRET = /^[A-Za-z0-9_.~-]{16,128}$/;

/** What idempotency needs of a request, whichever server read it (express or a fast lane). */
export interface IdempotentCall {
  method: string;
  /** the path the request hash covers */
  path: string;
  /** the URL a problem's `instance` names */
  url: string;
  body: unknown;
  header(name: string): string | undefined;
}

/** An answer to send: status, body, and whether it is a stored one replayed. */
export interface IdempotentAnswer {
  status: number;
  body: unknown;
  replayed: boolean;
}

/**
 * The caller's idempotency secret: X-Client-Secret (a random value the client keeps for
 * the request), else the Idempotency-Key itself (then make it a random UUID).
 */
function clientSecret(call: IdempotentCall, key: string): string {
  const s = call.header('x-client-secret');
  if (s === undefined) return key;
  if (!CLIENT_SECRET.test(s))
    throw inputError('invalid_input', 'X-Client-Secret must be 16-128 URL-safe characters', [
      { path: 'header.X-Client-Secret', message: 'malformed' },
    ]);
  return s;
}

/**
 * Runs a POST handler once per `Idempotency-Key` (scoped to the caller) and replays
 * the stored response to retries (`replayed`: the server adds `Idempotent-Replayed: true`).
 *
 * Anonymous callers are not one caller: their keys are scoped by the hash of their client
 * secret, so a stranger sending someone's key gets nothing of theirs (issue 17 item 14).
 * `replay` puts back what the stored answer leaves out (tokens derived from the secret).
 */
export async function idempotentAnswer<T>(
  ctx: AppContext,
  call: IdempotentCall,
  caller: Actor,
  fn: (k: IdempotencyKey) => Promise<StoredResponse<T>>,
  replay?: (stored: StoredResponse, k: IdempotencyKey) => unknown,
  /** the handler claims the key in its own transaction (`k.claim`): one commit, not two */
  opts: { claimInTransaction?: boolean } = {},
): Promise<IdempotentAnswer> {
  const key = validateKey(call.header('idempotency-key'));
  const secret = clientSecret(call, key);
  const actor = actorName(caller);
  const k: IdempotencyKey = {
    scope:
      actor === 'visitor:anonymous'
        ? `${actor}:${createHash('sha256').update(secret).digest('base64url').slice(0, 32)}`
        : actor,
    key,
    requestHash: requestHash(call.method, call.path, call.body),
    secret,
  };
  const run = opts.claimInTransaction ? runIdempotentInTransaction : runIdempotent;
  const out = await run(ctx.platform.db, ctx.platform.clock, k, fn, (e: DomainError) =>
    problemBody(e, call.url),
  );
  if (out.replayed && replay) out.body = replay(out, k);
  return { status: out.status, body: out.body, replayed: out.replayed };
}

/** The express request as an {@link IdempotentCall}. */
export const expressCall = (req: Request): IdempotentCall => ({
  method: req.method,
  path: req.path,
  url: req.originalUrl,
  body: req.body,
  header: (name) => req.get(name),
});

/** Sends an idempotent answer through express. */
export function sendIdempotent(res: Response, out: IdempotentAnswer): void {
  if (out.replayed) res.setHeader('Idempotent-Replayed', 'true');
  const isProblem = out.status >= 400;
  res
    .status(out.status)
    .type(isProblem ? 'application/problem+json' : 'application/json')
    .json(out.body);
}

/** {@link idempotentAnswer} for an express route, answered through `res`. */
export async function idempotent<T>(
  ctx: AppContext,
  req: Request,
  res: Response,
  fn: (k: IdempotencyKey) => Promise<StoredResponse<T>>,
  replay?: (stored: StoredResponse, k: IdempotencyKey) => unknown,
  opts: { claimInTransaction?: boolean } = {},
): Promise<void> {
  sendIdempotent(res, await idempotentAnswer(ctx, expressCall(req), actorOf(res), fn, replay, opts));
}
