import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { useApi, residentId } from '../support/platform.js';
import { demoArea } from '../../core/catalog/demo.js';
import { addDays, localParts } from '../../core/time.js';
import { WebhookSms } from '../../core/notify/sms.js';
import { OUTBOX_MAX_ATTEMPTS, relayOutbox } from '../../workers/outbox.js';

const D = addDays(localParts(new Date(), 'Asia/Shanghai').date, 2);

/**
 * An SMS provider (a local fake, the real thing is outside our control) that refuses
 * some numbers: the ticket SMS of one order must not hold back the events behind it.
 */
describe('outbox events that fail', () => {
  const api = useApi({ app: { rateLimits: false } });
  const refused = new Set<string>();
  const delivered: string[] = [];
  let provider: Server;
  beforeAll(async () => {
    await api.seed(demoArea({ id: 'sms-park' }));
    provider = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const { to } = JSON.parse(body) as { to: string };
        if (refused.has(to)) return void res.writeHead(400).end('{"error":"invalid number"}');
        delivered.push(to);
        res.writeHead(200).end('{}');
      });
    });
    await new Promise<void>((r) => provider.listen(0, '127.0.0.1', r));
    const addr = provider.address();
    api.platform.sms = new WebhookSms(
      `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/sms`,
    );
  });
  afterAll(async () => {
    await new Promise((r) => provider?.close(r));
  });

  let n = 0;
  /** An order with a contact phone, and its `order.issued` event in the outbox. */
  const issued = async (phone: string) => {
    const o = await api.call('POST', '/v1/orders', {
      headers: { 'idempotency-key': randomUUID() },
      body: {
        areaId: 'sms-park',
        date: D,
        slotId: '0900',
        contactPhone: phone,
        items: [{ productId: 'adult', visitors: [{ name: 'S', idNumber: residentId('19850505', n++) }] }],
      },
    });
    expect(o.status).toBe(201);
    const [row] = await api.platform
      .db('outbox')
      .insert({ topic: 'order.issued', aggregate_id: o.body.id as string, payload: JSON.stringify({}) })
      .returning<{ id: number }[]>('id');
    return row!.id;
  };
  const drain = async () => {
    while ((await relayOutbox(api.platform)) > 0);
  };
  const row = (id: number) =>
    api.platform.db('outbox').where({ id }).first<{
      published_at: Date | null;
      attempts: number;
      last_error: string | null;
      failed_at: Date | null;
      next_attempt_at: Date | null;
    }>();

  it('delivers the events behind one that fails, and retries that one later', async () => {
    refused.add('13800000001');
    const bad = await issued('13800000001');
    const good = await issued('13800000002');
    await drain();
    expect(delivered).toContain('13800000002');
    expect(await row(good)).toMatchObject({ attempts: 0, failed_at: null });
    expect((await row(good)).published_at).toBeInstanceOf(Date);
    expect(await row(bad)).toMatchObject({
      published_at: null,
      attempts: 1,
      last_error: expect.stringMatching(/400/) as string,
    });
    expect((await row(bad)).next_attempt_at!.getTime()).toBeGreaterThan(Date.now());

    refused.delete('13800000001'); // the provider accepts it now
    await api.platform
      .db('outbox')
      .where({ id: bad })
      .update({ next_attempt_at: new Date(Date.now() - 1) }); // its backoff is over
    await drain();
    expect(delivered).toContain('13800000001');
    expect((await row(bad)).published_at).toBeInstanceOf(Date);
  });

  it('sets an event aside after its last attempt, with the error', async () => {
    refused.add('13800000003');
    const bad = await issued('13800000003');
    for (let i = 0; i < OUTBOX_MAX_ATTEMPTS; i++) {
      await api.platform.db('outbox').where({ id: bad }).update({ next_attempt_at: null });
      await drain();
    }
    const r = await row(bad);
    expect(r).toMatchObject({
      attempts: OUTBOX_MAX_ATTEMPTS,
      last_error: expect.stringMatching(/400/) as string,
    });
    expect(r.failed_at).toBeInstanceOf(Date);
    expect(r.published_at).toBeInstanceOf(Date); // out of the queue
    expect(api.logLines.some((l) => /outbox event failed for good/.test(l))).toBe(true);
  });
});
