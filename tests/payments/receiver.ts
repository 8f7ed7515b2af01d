import { createServer, type Server } from 'node:http';
import { isDomainError } from '../../core/errors.js';
import { beijingDate } from '../../core/payments/china-time.js';
import type { ProviderGateway, ProviderNotice } from '../../core/payments/gateway.js';

/**
 * A merchant's notify endpoint for the provider tests: verifies each notification with
 * the gateway under test and answers with its ack, keeping what it accepted and the
 * error codes of what it refused.
 */
export interface Receiver {
  url: string;
  notices: ProviderNotice[];
  refused: string[];
  /** resolves once `n` notices have been accepted */
  waitFor(n: number, timeoutMs?: number): Promise<ProviderNotice[]>;
  close(): Promise<void>;
}

export async function startReceiver(gateway: () => ProviderGateway): Promise<Receiver> {
  const notices: ProviderNotice[] = [];
  const refused: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const g = gateway();
      let ok = false;
      try {
        notices.push(g.parseNotification(req.headers, Buffer.concat(chunks)));
        ok = true;
      } catch (e) {
        refused.push(isDomainError(e) ? e.code : `crash: ${(e as Error).message}`);
      }
      const ack = g.notificationAck(ok);
      res.writeHead(ack.status, { 'content-type': ack.contentType }).end(ack.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/notify`;
  return {
    url,
    notices,
    refused,
    async waitFor(n, timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      while (notices.length < n) {
        if (Date.now() > until)
          throw new Error(`waited for ${n} notices, got ${notices.length} (refused: ${refused.join(', ')})`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return notices;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Polls `f` until `done` holds (refund states settle asynchronously at the providers). */
export async function eventually<T>(
  f: () => Promise<T>,
  done: (v: T) => boolean,
  timeoutMs = 5000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (done(v) || Date.now() > until) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const today = () => beijingDate(new Date());
