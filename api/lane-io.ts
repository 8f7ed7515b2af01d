import type { IncomingMessage, ServerResponse } from 'node:http';
import { inputError } from '../core/errors.js';

/**
 * Reading and answering for the fast lanes (routes the HTTP server serves before express,
 * api/context.ts `FastLane`): what express's body parser and `res.json` do for them.
 */

/** The request body as UTF-8 text, refused past `limit` bytes. */
export function readSmallBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    // Too large: answer at once, but keep reading (and dropping) the rest so the
    // client still gets the answer on its connection.
    const tooLarge = () => reject(inputError('body_too_large', `request body is larger than ${limit} bytes`));
    if (Number(req.headers['content-length'] ?? 0) > limit) {
      tooLarge();
      req.resume();
      return;
    }
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) tooLarge();
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** `body` as JSON with its length; `type` as given (express's `res.json` adds `; charset=utf-8`). */
export const send = (
  res: ServerResponse,
  status: number,
  body: unknown,
  type = 'application/json',
  extra: Record<string, string> = {},
) => {
  const s = JSON.stringify(body);
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(s), ...extra });
  res.end(s);
};
