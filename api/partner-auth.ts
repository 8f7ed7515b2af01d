import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { DomainError } from '../core/errors.js';
import { PartnerAuthenticator } from '../core/channels/partners.js';
import type { SignedRequest } from '../core/channels/signed-request.js';
import type { Actor } from '../core/orders/model.js';
import { SIGNATURE_HEADERS, splitTarget } from '../core/channels/signature.js';
import type { AppContext } from './context.js';

/**
 * Signed requests (partners: `/partner/v1`, `/octo`; merchants: `/merchant/v1`): reads the raw body (the signature
 * covers its SHA-256), refuses a body that is not declared JSON (415, 17.19: both documents
 * declare `application/json` only), verifies the signature and nonce, then parses JSON.
 * Mounted in the `early` phase, before the app's JSON parser and bearer authentication.
 */
const authenticators = new WeakMap<AppContext, PartnerAuthenticator>();

export function partnerAuthenticator(ctx: AppContext): PartnerAuthenticator {
  let a = authenticators.get(ctx);
  if (!a) {
    const p = ctx.platform;
    a = new PartnerAuthenticator(p.db, p.redis, p.vault, () => p.clock.now().getTime());
    authenticators.set(ctx, a);
  }
  return a;
}

export function signedPartner(ctx: AppContext, opts: { allowBearer?: boolean } = {}): RequestHandler[] {
  const auth = partnerAuthenticator(ctx);
  return signedRequest(async (req, signed) => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    return opts.allowBearer && bearer && !req.headers[SIGNATURE_HEADERS.signature]
      ? auth.authenticateBearer(bearer[1]!)
      : auth.authenticate(signed);
  });
}

/**
 * The signed-request middleware for any signed caller (partners here, the merchants of an
 * area in api/spend.ts): raw body, JSON declared, `authenticate` with the request as signed
 * (its answer becomes `res.locals.actor`), then the body parsed.
 */
export function signedRequest(
  authenticate: (req: Request, signed: SignedRequest) => Promise<Actor>,
): RequestHandler[] {
  return [
    express.raw({ type: () => true, limit: '64kb' }),
    async (req: Request, res: Response, next: NextFunction) => {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      requireJsonBody(req.method, req.headers['content-type'], body);
      const { path, query } = splitTarget(req.originalUrl);
      res.locals.actor = await authenticate(req, {
        method: req.method,
        host: req.headers.host ?? '',
        path,
        query,
        headers: req.headers,
        body,
      });
      req.body = parseJsonBody(body);
      next();
    },
  ];
}

const WRITES = new Set(['POST', 'PUT', 'PATCH']);

/**
 * A write carrying a body must say it is JSON (`application/json`, UTF-8 if a charset is
 * named); a body-less write (confirm, an extend without options) and every read pass as they are.
 */
export function requireJsonBody(method: string, contentType: string | undefined, body: Buffer): void {
  if (!WRITES.has(method.toUpperCase()) || body.length === 0) return;
  const [type = '', ...params] = (contentType ?? '').split(';').map((s) => s.trim().toLowerCase());
  const charset = params.find((s) => s.startsWith('charset='))?.slice('charset='.length);
  if (type === 'application/json' && (charset === undefined || /^"?utf-8"?$/.test(charset))) return;
  throw new DomainError(
    'input',
    'unsupported_media_type',
    `request body must be application/json, not ${contentType ? `'${contentType.slice(0, 80)}'` : 'undeclared'}`,
  );
}

function parseJsonBody(body: Buffer): unknown {
  if (!body.length) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new DomainError('input', 'malformed_json', 'request body is not valid JSON');
  }
}
