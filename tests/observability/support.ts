import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { residentId, type TestPlatform } from '../support/platform.js';

export interface Received {
  path: string;
  at: number;
  headers: IncomingHttpHeaders;
  /** the exact bytes received, for signature checks */
  raw: Buffer;
  body: Record<string, unknown>;
}

/** A local webhook receiver: records every POST; `answer` decides the status per request. */
export async function startReceiver(
  answer: (path: string, n: number) => number = () => 204,
): Promise<{ url: string; got: Received[]; server: Server; close(): Promise<void> }> {
  const got: Received[] = [];
  const counts = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const n = (counts.get(path) ?? 0) + 1;
      counts.set(path, n);
      const status = answer(path, n);
      if (status < 300)
        got.push({
          path,
          at: Date.now(),
          headers: req.headers,
          raw: Buffer.concat(chunks),
          body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>,
        });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    got,
    server,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

let person = 1000;

/** A birth date inside each concession product's age band. */
const BIRTH_BY_PRODUCT: Record<string, string> = { child: '20180101', senior: '19500101' };

/** A real order through the API (anonymous visitor, web channel), optionally paid. */
export async function buy(
  api: TestPlatform,
  o: {
    areaId: string;
    date: string;
    slotId?: string;
    visitors: number;
    productId?: string;
    channelId?: string;
    pay?: boolean;
    phone?: string;
  },
) {
  const visitors = Array.from({ length: o.visitors }, (_, i) => ({
    name: `游客${i}`,
    // concession tickets go to travellers inside their age band (17.11)
    idNumber: residentId(BIRTH_BY_PRODUCT[o.productId ?? ''] ?? '19800101', person++),
  }));
  const res = await api.call('POST', '/v1/orders', {
    headers: { 'idempotency-key': randomUUID() },
    body: {
      areaId: o.areaId,
      date: o.date,
      slotId: o.slotId ?? '0900',
      channelId: o.channelId,
      contactPhone: o.phone,
      items: [{ productId: o.productId ?? 'adult', visitors }],
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const order = res.body as {
    id: string;
    accessToken: string;
    amountTotal: number;
    tickets: { id: string }[];
  };
  if (o.pay) {
    const p = await api.call('POST', `/v1/orders/${order.id}/payments`, {
      headers: { 'x-order-token': order.accessToken },
      // the mini-program pays by JSAPI, which names the payer
      ...(o.channelId === 'mini' ? { body: { openid: 'o-test-payer-0001' } } : {}),
    });
    expect(p.status, JSON.stringify(p.body)).toBe(201);
    expect((await api.pay(order.id)).at(-1)?.status).toBe(204);
  }
  return { ...order, visitors };
}
