import { describe, expect, it } from 'vitest';
import { ERROR_CODES, kindsOf } from '../core/error-codes.js';
import { DomainError, inputError, notFound, type ErrorCode, type ErrorKind } from '../core/errors.js';
import { problemBody, statusOf } from './problem.js';

const STATUS_OF_KIND: Record<ErrorKind, number> = {
  input: 400,
  authentication: 401,
  'not-allowed': 403,
  'not-found': 404,
  conflict: 409,
  gone: 410,
  'rate-limited': 429,
  unavailable: 503,
};

/** the codes whose status differs from their kind's */
const OWN_STATUS: Partial<Record<ErrorCode, number>> = {
  idempotency_key_reused: 422,
  unsupported_media_type: 415,
};

describe('problem+json', () => {
  it('answers every declared code, under each of its kinds, with a 4xx or 503', () => {
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[])
      for (const kind of kindsOf(code)) {
        const s = statusOf(new DomainError<ErrorKind>(kind, code, 'x'));
        expect(s === 503 || (s >= 400 && s < 500), `${code} as ${kind}: ${s}`).toBe(true);
        if (!(code in OWN_STATUS)) expect(s, code).toBe(STATUS_OF_KIND[kind]);
      }
  });

  it('answers a reused Idempotency-Key with 422, a body that is not JSON with 415', () => {
    expect(statusOf(inputError('idempotency_key_reused', 'x'))).toBe(422);
    expect(statusOf(inputError('unsupported_media_type', 'x'))).toBe(415);
  });

  it('names the code, the fields and the instance', () => {
    const e = inputError('invalid_order', 'slotId: no such time slot', [
      { path: 'slotId', message: 'no such time slot' },
    ]);
    expect(problemBody(e, '/v1/orders')).toEqual({
      status: 400,
      body: {
        type: 'https://scenic.dev/problems/invalid_order',
        title: 'invalid order',
        status: 400,
        code: 'invalid_order',
        detail: 'slotId: no such time slot',
        instance: '/v1/orders',
        errors: [{ path: 'slotId', message: 'no such time slot' }],
      },
    });
    expect(problemBody(notFound('unknown_channel', 'no channel x')).status).toBe(404);
    expect(problemBody(inputError('unknown_channel', 'no sales channel x')).status).toBe(400);
  });
});
