import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import {
  DomainError,
  INTERNAL_ERROR_CODE,
  isDomainError,
  type ErrorCode,
  type ErrorKind,
} from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { redisOutage } from '../core/redis/errors.js';

/**
 * The one place where domain errors become HTTP statuses: by kind (exhaustive, so a new
 * kind does not compile until it has a status; every code is declared with a kind in
 * its area's table, core/error-codes.ts), then the few codes whose status differs.
 */
const STATUS: Record<ErrorKind, number> = {
  input: 400,
  authentication: 401,
  'not-allowed': 403,
  'not-found': 404,
  conflict: 409,
  gone: 410,
  'rate-limited': 429,
  unavailable: 503,
};

/** Codes whose HTTP status differs from their kind's default. */
const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  idempotency_key_reused: 422,
  unsupported_media_type: 415,
};

export const PROBLEM_TYPE_BASE = 'https://scenic.dev/problems/';

export const statusOf = (err: DomainError) => STATUS_BY_CODE[err.code] ?? STATUS[err.kind];

/** The problem+json document of a domain error (RFC 9457), with the fields that are wrong. */
export function problemBody(
  err: DomainError,
  instance?: string,
): { status: number; body: Record<string, unknown> } {
  const status = statusOf(err);
  const { fields, retryAfterSeconds: _r, ...rest } = err.details;
  return {
    status,
    body: {
      type: `${PROBLEM_TYPE_BASE}${err.code}`,
      title: err.code.replace(/_/g, ' '),
      status,
      code: err.code,
      detail: err.message,
      ...(instance ? { instance } : {}),
      ...(fields ? { errors: fields } : {}),
      ...rest,
    },
  };
}

/** The 500 answer's body: what failed is ours and logged, never shown. */
export const internalProblem = (detail?: string) => ({
  type: `${PROBLEM_TYPE_BASE}${INTERNAL_ERROR_CODE}`,
  title: 'internal error',
  status: 500,
  code: INTERNAL_ERROR_CODE,
  ...(detail === undefined ? {} : { detail }),
});

export function sendProblem(res: Response, err: DomainError, instance?: string): void {
  const retry = err.details.retryAfterSeconds;
  if (retry !== undefined) res.setHeader('Retry-After', String(Math.ceil(retry)));
  const p = problemBody(err, instance);
  res.status(p.status).type('application/problem+json').json(p.body);
}

/** A problem+json answer: status, document and the headers that go with it. */
export interface ProblemAnswer {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

const answerOf = (err: DomainError, instance: string): ProblemAnswer => {
  const retry = err.details.retryAfterSeconds;
  return {
    ...problemBody(err, instance),
    headers: retry === undefined ? {} : { 'retry-after': String(Math.ceil(retry)) },
  };
};

/**
 * What anything thrown while serving `where` answers, for express (problemHandler) and
 * the fast lanes alike; logs only what is our fault (5xx).
 */
export function problemAnswer(
  log: Logger,
  err: unknown,
  where: { method: string; path: string; instance: string },
): ProblemAnswer {
  if (isDomainError(err)) {
    if (err.kind === 'unavailable') log.warn({ err, path: where.path }, 'dependency unavailable');
    return answerOf(err, where.instance);
  }
  // body-parser failures: malformed JSON or too large a body are the client's.
  const e = err as { type?: string; status?: number; message?: string };
  if (e.type === 'entity.parse.failed')
    return answerOf(
      new DomainError('input', 'malformed_json', 'request body is not valid JSON'),
      where.instance,
    );
  if (e.type === 'entity.too.large')
    return answerOf(new DomainError('input', 'body_too_large', 'request body is too large'), where.instance);
  if (e.type === 'charset.unsupported' || e.type === 'encoding.unsupported')
    return answerOf(
      new DomainError('input', 'unsupported_encoding', e.message ?? 'unsupported encoding'),
      where.instance,
    );
  const outage = redisOutage(err);
  if (outage) {
    log.warn({ err, path: where.path }, 'redis unavailable');
    return answerOf(outage, where.instance);
  }
  log.error({ err, method: where.method, path: where.path }, 'unhandled error');
  return {
    status: 500,
    body: internalProblem('an unexpected error occurred; it has been logged'),
    headers: {},
  };
}

/** Turns anything thrown into problem+json; logs only what is our fault (5xx). */
export function problemHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    if (res.headersSent) return;
    const a = problemAnswer(log, err, { method: req.method, path: req.path, instance: req.originalUrl });
    res.set(a.headers).status(a.status).type('application/problem+json').json(a.body);
  };
}

export const notFoundHandler: RequestHandler = (req, res) => {
  sendProblem(res, new DomainError('not-found', 'route_not_found', `no route for ${req.method} ${req.path}`));
};
