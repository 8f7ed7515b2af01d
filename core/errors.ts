import type { ErrorRegistry } from './error-codes.js';

/**
 * The closed set of business errors. Every failure the domain reports carries a
 * stable `code` (part of the public API: clients and tests match on it, never on
 * message text). Each code is declared once, with its kind, in its area's errors
 * table next to the model (`core/<area>/errors.ts`, gathered in `core/error-codes.ts`);
 * the helpers below accept only codes declared with their kind, so the compiler
 * rejects an undeclared code or one raised under the wrong kind. The HTTP layer maps
 * the kind to a status in exactly one place (`api/problem.ts`).
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

/**
 * An area's errors table: code → its kind. A code the public API already answers under
 * two kinds lists both (the first is its usual one).
 */
export type ErrorTable = Readonly<Record<string, ErrorKind | readonly [ErrorKind, ...ErrorKind[]]>>;

/** Every declared code (the union of every area's table). */
export type ErrorCode = Extract<keyof ErrorRegistry, string>;

type KindsOf<V> = V extends readonly (infer K)[] ? K : V;

/** The codes declared with kind `K` (every code, for the whole `ErrorKind`). */
export type CodeOf<K extends ErrorKind> = {
  [C in ErrorCode]: K extends KindsOf<ErrorRegistry[C]> ? C : never;
}[ErrorCode];

/** The `code` of the 500 answer: not a domain error (nothing the caller did), but a public code too. */
export const INTERNAL_ERROR_CODE = 'internal';

/** One offending field of an input, as JSON-pointer-ish dotted path. */
export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

export type ErrorDetails = {
  readonly fields?: readonly FieldIssue[];
  /** becomes the Retry-After header */
  readonly retryAfterSeconds?: number;
  readonly [k: string]: unknown;
};

export class DomainError<K extends ErrorKind = ErrorKind> extends Error {
  constructor(
    readonly kind: K,
    readonly code: CodeOf<K>,
    message: string,
    readonly details: ErrorDetails = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const inputError = (code: CodeOf<'input'>, message: string, fields?: readonly FieldIssue[]) =>
  new DomainError('input', code, message, fields ? { fields } : {});
export const notFound = (code: CodeOf<'not-found'>, message: string) =>
  new DomainError('not-found', code, message);
export const conflict = (code: CodeOf<'conflict'>, message: string, details: Record<string, unknown> = {}) =>
  new DomainError('conflict', code, message, details);
export const notAllowed = (code: CodeOf<'not-allowed'>, message: string) =>
  new DomainError('not-allowed', code, message);
export const unauthenticated = (code: CodeOf<'authentication'>, message: string) =>
  new DomainError('authentication', code, message);
export const unavailable = (code: CodeOf<'unavailable'>, message: string) =>
  new DomainError('unavailable', code, message);
export const rateLimited = (code: CodeOf<'rate-limited'>, message: string, details: ErrorDetails = {}) =>
  new DomainError('rate-limited', code, message, details);

export const isDomainError = (e: unknown): e is DomainError => e instanceof DomainError;
