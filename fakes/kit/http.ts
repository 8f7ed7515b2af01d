import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface FakeRequest {
  method: string;
  url: URL;
  /** path and query exactly as the client sent them (signatures cover these bytes) */
  rawPath: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export type Handler = (req: FakeRequest, res: ServerResponse) => Promise<void> | void;

/** Starts `handler` on 127.0.0.1 (port 0 = any); a throwing handler answers 500. */
export async function listen(handler: Handler, port = 0): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawPath = req.url ?? '/';
      const fake: FakeRequest = {
        method: req.method ?? 'GET',
        url: new URL(rawPath, 'http://127.0.0.1'),
        rawPath,
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      Promise.resolve(handler(fake, res)).catch((e: Error) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`fake provider error: ${e.message}`);
      });
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const addr = server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  return { server, url };
}

export const closeServer = (server: Server) =>
  new Promise<void>((r) => {
    server.closeAllConnections();
    server.close(() => r());
  });

export function html(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' }).end(body);
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The visitor's pay page (demo and browser tests): what is being paid, a Pay and a
 * Refuse button. `action` is the form target prefix; `back` where the browser returns.
 */
export function payPage(o: {
  provider: string;
  title: string;
  amountFen: number;
  action: string;
  back: string;
}) {
  const back = /^https?:\/\//.test(o.back) ? o.back : '';
  const q = back ? `?return=${encodeURIComponent(back)}` : '';
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(o.provider)} (fake)</title></head><body style="font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a"><h1>${esc(o.provider)} <small>(local fake)</small></h1><p>${esc(o.title)}</p><p style="font-size:1.6rem">¥${(o.amountFen / 100).toFixed(2)}</p><form method="post" action="${esc(o.action)}/complete${q}" style="display:inline"><button type="submit" style="font-size:1.3rem;padding:0.6rem 2rem">Pay</button></form> <form method="post" action="${esc(o.action)}/refuse${q}" style="display:inline"><button type="submit" style="font-size:1.3rem;padding:0.6rem 1.2rem">Refuse</button></form></body></html>`;
}

/** After a pay-page button: back to the merchant's page, or a small JSON answer. */
export function afterPayPage(res: ServerResponse, back: string | null, body: unknown): void {
  if (back && /^https?:\/\//.test(back)) res.writeHead(303, { location: back }).end();
  else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
