import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { signFakeCallback } from '../core/payments/fake.js';

/**
 * A local stand-in for WeChat Pay / Alipay, for tests and the demo. It keeps payments
 * in memory, "pays" one when told to (`POST /payments/:id/complete`, as the visitor's
 * phone would), then calls the merchant back with a signed notice. Refunds succeed
 * unless `failRefunds` is set.
 */
export interface FakeGatewayServer {
  url: string;
  secret: string;
  payments: Map<string, { orderId: string; amount: number; notifyUrl: string; status: string }>;
  refunds: { providerRef: string; refundId: string; amount: number }[];
  failRefunds: boolean;
  /** the visitor pays: the gateway notifies the merchant (retrying up to `attempts` times) */
  complete(
    paymentId: string,
    opts?: { tamper?: boolean; attempts?: number; retryDelayMs?: number },
  ): Promise<number>;
  close(): Promise<void>;
}

export async function startFakeGateway(
  opts: { secret?: string; port?: number } = {},
): Promise<FakeGatewayServer> {
  const secret = opts.secret ?? randomUUID();
  const state: FakeGatewayServer = {
    url: '',
    secret,
    payments: new Map(),
    refunds: [],
    failRefunds: false,
    complete: async (paymentId, o = {}) => {
      const p = state.payments.get(paymentId);
      if (!p) throw new Error(`no payment ${paymentId}`);
      p.status = 'succeeded';
      const body = JSON.stringify({
        paymentId,
        orderId: p.orderId,
        amount: o.tamper ? p.amount - 1 : p.amount,
        status: 'succeeded',
      });
      const ts = String(Date.now());
      const sig = signFakeCallback(secret, ts, o.tamper ? body.replace('succeeded', 'succeeded ') : body);
      // Providers retry notifications until the merchant answers 2xx; so does this.
      let status = 0;
      for (let attempt = 0; attempt < (o.attempts ?? 1); attempt++) {
        if (attempt) await new Promise((r) => setTimeout(r, o.retryDelayMs ?? 300));
        try {
          const res = await fetch(p.notifyUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-fake-timestamp': ts, 'x-fake-signature': sig },
            body,
          });
          await res.arrayBuffer();
          status = res.status;
          if (status < 500) break;
        } catch {
          status = 0;
        }
      }
      return status;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      // The visitor's pay page (demo and browser tests): a Pay button, then back to `return`.
      const pay = /^\/pay\/([^/?]+)(\/complete)?(?:\?(.*))?$/.exec(req.url ?? '');
      if (pay) {
        const p = state.payments.get(pay[1]!);
        const back = new URLSearchParams(pay[3] ?? '').get('return') ?? '';
        const safeBack = /^https?:\/\//.test(back) ? back : '';
        if (!p) return send(404, { error: 'no such payment' });
        if (req.method === 'GET' && !pay[2]) {
          const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Fake pay</title></head><body style="font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a"><h1>Fake payment gateway</h1><p>Amount: ¥${(p.amount / 100).toFixed(2)}</p><form method="post" action="/pay/${pay[1]}/complete?return=${encodeURIComponent(safeBack)}"><button type="submit" style="font-size:1.3rem;padding:0.6rem 2rem">Pay</button></form></body></html>`;
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
          return;
        }
        if (req.method === 'POST' && pay[2]) {
          state.complete(pay[1]!).then(
            () => (safeBack ? res.writeHead(303, { location: safeBack }).end() : send(200, { paid: true })),
            (e: Error) => send(404, { error: e.message }),
          );
          return;
        }
      }
      if (req.headers.authorization !== `Bearer ${secret}` && !req.url?.endsWith('/complete'))
        return send(401, { error: 'unauthorized' });
      const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      const m = /^\/payments\/([^/]+)\/complete$/.exec(req.url ?? '');
      if (req.method === 'POST' && req.url === '/payments') {
        const id = `pay_${randomUUID()}`;
        state.payments.set(id, {
          orderId: body.orderId as string,
          amount: body.amount as number,
          notifyUrl: body.notifyUrl as string,
          status: 'pending',
        });
        return send(200, { providerRef: id, payUrl: `${state.url}/pay/${id}` });
      }
      if (req.method === 'POST' && m) {
        state.complete(m[1]!).then(
          (s) => send(200, { callbackStatus: s }),
          (e: Error) => send(404, { error: e.message }),
        );
        return;
      }
      if (req.method === 'POST' && req.url === '/refunds') {
        if (state.failRefunds) return send(200, { status: 'failed' });
        state.refunds.push(body as FakeGatewayServer['refunds'][number]);
        return send(200, { status: 'succeeded' });
      }
      send(404, { error: 'not found' });
    });
  });
  await new Promise<void>((r) => server.listen(opts.port ?? 0, '127.0.0.1', r));
  const addr = server.address();
  state.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  return state;
}
