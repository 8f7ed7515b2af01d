import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { useApi, residentId } from '../support/platform.js';
import { waitFor } from '../support/processes.js';
import { demoArea } from '../../core/catalog/demo.js';
import { verifyWebhook } from '../../clients/partner-client.js';
import { startWorkers, type RunningWorkers } from '../../workers/main.js';
import { day, partner, type Body } from './support.js';

const D = day(2);

/** A partner's webhook endpoint: refuses the first `failFirst` requests, then verifies and accepts. */
class Receiver {
  server!: Server;
  url = '';
  requests = 0;
  failFirst = 0;
  alwaysFail = false;
  secret = '';
  badSignatures = 0;
  accepted = new Map<string, { count: number; type: string; body: Body }>();
  async start(path: string) {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.requests++;
        if (this.alwaysFail || this.requests <= this.failFirst) return void res.writeHead(503).end('busy');
        const raw = Buffer.concat(chunks);
        if (
          !verifyWebhook({ webhookSecret: this.secret, url: this.url, headers: req.headers, rawBody: raw })
        ) {
          this.badSignatures++;
          return void res.writeHead(401).end();
        }
        const id = req.headers['idempotency-key'] as string;
        const body = JSON.parse(raw.toString('utf8')) as Body;
        expect(body.id).toBe(id);
        const seen = this.accepted.get(id);
        if (seen) seen.count++;
        else this.accepted.set(id, { count: 1, type: body.type as string, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }
  close() {
    return new Promise<void>((r) => this.server.close(() => r()));
  }
}

describe('partner webhooks through the BullMQ worker', () => {
  const api = useApi({ app: { rateLimits: false } });
  const good = new Receiver();
  const down = new Receiver();
  let workers: RunningWorkers;
  let fliggy: Awaited<ReturnType<typeof partner>>;
  let klook: Awaited<ReturnType<typeof partner>>;
  beforeAll(async () => {
    await api.seed(demoArea({ id: 'wh' }));
    await good.start('/hooks/scenic?tenant=7');
    await down.start('/down');
    good.failFirst = 3;
    down.alwaysFail = true;
    fliggy = await partner(api, { id: 'fliggy', commissionBps: 800, webhook: { url: good.url } });
    klook = await partner(api, { id: 'klook', webhook: { url: down.url, events: ['order.issued'] } });
    good.secret = fliggy.cred.webhookSecret;
    down.secret = klook.cred.webhookSecret;
    workers = await startWorkers(api.platform, {
      outboxEveryMs: 50,
      sweepEveryMs: 3_600_000,
      reconcileEveryMs: 3_600_000,
      webhooks: { attempts: 5, backoffMs: 100, sweepEveryMs: 3_600_000 },
    });
  });
  afterAll(async () => {
    await workers?.close();
    await good.close();
    await down.close();
  });

  let n = 500;
  const order = (c: typeof fliggy, id: string) =>
    c.client.createOrder({
      partnerOrderId: id,
      areaId: 'wh',
      date: D,
      slotId: '1000',
      items: [{ productId: 'adult', visitors: [{ name: '王五', idNumber: residentId('19800101', n++) }] }],
    });

  it('delivers every event exactly once per idempotency id although the first deliveries fail', async () => {
    for (const id of ['F-1', 'F-2', 'F-3']) {
      await order(fliggy, id);
      await fliggy.client.confirm(id);
    }
    await fliggy.client.refund('F-2', { reason: 'weather' }, `rf-${randomUUID()}`);
    await order(fliggy, 'F-4');
    await fliggy.client.cancel('F-4');
    // a redemption at a gate (the ledger raises entries_used) becomes a ticket.redeemed event
    const t = (await fliggy.client.tickets('F-3')).tickets as Body[];
    await api.platform
      .db('tickets')
      .where({ id: t[0]!.ticketId as string })
      .update({ entries_used: 1 });

    await waitFor('six events accepted', () => Promise.resolve(good.accepted.size === 6), 20_000);
    await new Promise((r) => setTimeout(r, 500)); // nothing more arrives
    const types = [...good.accepted.values()].map((a) => a.type).sort();
    expect(types).toEqual([
      'order.cancelled',
      'order.issued',
      'order.issued',
      'order.issued',
      'order.refunded',
      'ticket.redeemed',
    ]);
    expect([...good.accepted.values()].every((a) => a.count === 1)).toBe(true);
    expect(good.requests).toBe(6 + 3);
    expect(good.badSignatures).toBe(0);
    const refunded = [...good.accepted.values()].find((a) => a.type === 'order.refunded')!.body;
    expect(refunded.data).toMatchObject({ partnerOrderId: 'F-2', amount: 8000, reason: 'weather' });
    const rows: { status: string; attempts: number }[] = await api.platform
      .db('webhook_deliveries')
      .where({ partner_id: 'fliggy' })
      .select('status', 'attempts');
    expect(rows.every((r) => r.status === 'delivered')).toBe(true);
    expect(rows.reduce((s, r) => s + r.attempts, 0)).toBe(9);
  });

  it('dead-letters after the last attempt, and an admin replays it', async () => {
    await order(klook, 'K-1');
    await klook.client.confirm('K-1');
    await klook.client.cancel('K-1').catch(() => undefined); // not subscribed to cancellations anyway
    const dead = async () =>
      (
        await api.call('GET', '/v1/admin/webhooks/deliveries?partnerId=klook&status=dead', {
          key: api.adminKey,
        })
      ).body.items as Body[];
    await waitFor('delivery dead-lettered', async () => (await dead()).length === 1, 20_000);
    const [d] = await dead();
    expect(d).toMatchObject({ eventType: 'order.issued', attempts: 5, lastStatusCode: 503 });
    expect(down.requests).toBe(5);

    down.alwaysFail = false;
    const replay = await api.call('POST', `/v1/admin/webhooks/deliveries/${d!.id as string}/replay`, {
      key: api.adminKey,
    });
    expect(replay.status).toBe(202);
    await waitFor('replayed delivery accepted', () => Promise.resolve(down.accepted.size === 1), 20_000);
    const after = (
      await api.call('GET', '/v1/admin/webhooks/deliveries?partnerId=klook', { key: api.adminKey })
    ).body.items as Body[];
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ status: 'delivered', replays: 1 });
    const audit: { action: string }[] = await api.platform
      .db('audit_log')
      .where({ subject: `webhook:${d!.id as string}` })
      .select('action');
    expect(audit.map((a) => a.action)).toEqual(['scenic.webhook.replayed']);
    // a second replay of a pending one is refused; a replay needs admin
    expect(
      (
        await api.call('POST', `/v1/admin/webhooks/deliveries/${d!.id as string}/replay`, {
          key: await api.key('box-office', 'box-office'),
        })
      ).status,
    ).toBe(403);
  });
});
