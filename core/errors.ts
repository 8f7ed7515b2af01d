/**
 * The closed set of business errors. Every failure the domain reports carries a
 * stable `code` (part of the public API: clients and tests match on it, never on
 * message text). The HTTP layer maps the `kind` to a status in exactly one place.
 */
export type ErrorKind =
  | 'input' // 400/422: the request is malformed or violates a rule of the input
  | 'authentication' // 401
  | 'not-allowed' // 403
  | 'not-found' // 404
  | 'conflict' // 409: the state of the world forbids it (sold out, already paid...)
  | 'gone' // 410: it existed but expired
  | 'rate-limited' // 429
  | 'unavailable'; // 503: a dependency is down; safe to retry

/** One offending field of an input, as JSON-pointer-ish dotted path. */
export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

export class DomainError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly details: { readonly fields?: readonly FieldIssue[]; readonly [k: string]: unknown } = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const inputError = (code: string, message: string, fields?: readonly FieldIssue[]) =>
  new DomainError('input', code, message, fields ? { fields } : {});
export const notFound = (code: string, message: string) => new DomainError('not-found', code, message);
export const conflict = (code: string, message: string, details: Record<string, unknown> = {}) =>
  new DomainError('conflict', code, message, details);
export const notAllowed = (code: string, message: string) => new DomainError('not-allowed', code, message);
export const unauthenticated = (code: string, message: string) =>
  new DomainError('authentication', code, message);
export const unavailable = (code: string, message: string) => new DomainError('unavailable', code, message);

export const isDomainError = (e: unknown): e is DomainError => e instanceof DomainError;
