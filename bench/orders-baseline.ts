/**
 * bench:orders' baseline: a bare node:http server doing the essential work of one order
 * and nothing else — the same Lua reservation (the Inventory class), then one Postgres
 * transaction writing the order, its line, its real-name tickets with the personal data
 * sealed (the same PiiVault), the outbox event and the idempotency record. No routing,
 * validation, pricing rules, audit or read-back. Started by bench/orders.ts; prints its port.
 */
import { createServer } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Inventory, type DayPlan } from '../core/inventory/inventory.js';
import { systemClock } from '../core/clock.js';
import { createDb } from '../core/db/knex.js';
import { PiiVault } from '../core/pii/crypto.js';
import { uuidv7 } from '../core/ids.js';
import { maskIdNumber } from '../core/pii/mask.js';

const prefix = process.env.REDIS_PREFIX ?? 'bench:';
const plan = JSON.parse(process.env.BENCH_PLAN ?? '{}') as DayPlan;
const redis = new Redis(process.env.REDIS_URL!, { keyPrefix: prefix });
const inv = new Inventory(redis, { prefix, clock: systemClock, loadPlan: () => Promise.resolve(plan) });
const db = createDb({ url: process.env.DATABASE_URL!, schema: process.env.DATABASE_SCHEMA!, poolMax: 20 });
const vault = new PiiVault(process.env.SCENIC_PII_KEY!, process.env.SCENIC_LOOKUP_KEY!);

interface Body {
  areaId: string;
  date: string;
  slotId: string;
  items: { productId: string; visitors: { name: string; idNumber: string }[] }[];
}

async function order(b: Body, key: string): Promise<{ status: number; body: string }> {
  const now = new Date();
  const id = uuidv7(now.getTime());
  const v = b.items[0]!.visitors;
  const idHashes = v.map((x) => vault.lookupHash('id', x.idNumber));
  const expiresAt = new Date(now.getTime() + 300_000);
  const r = await inv.reserve({
    resId: id,
    areaId: b.areaId,
    date: b.date,
    slotId: b.slotId,
    channelId: 'web',
    channelKind: 'online',
    units: v.length,
    idHashes,
    expiresAt: expiresAt.getTime(),
  });
  if (!r.ok) return { status: 409, body: JSON.stringify({ code: r.reason }) };
  const view = { id, status: 'held', amountTotal: 100 * v.length };
  await db.transaction(async (trx) => {
    await trx('idempotency_keys').insert({ scope: 'bench', key, request_hash: key, state: 'running' });
    await trx('orders').insert({
      id,
      area_id: b.areaId,
      visit_date: b.date,
      slot_id: b.slotId,
      channel_id: 'web',
      status: 'held',
      amount_total: 100 * v.length,
      currency: 'CNY',
      access_token_hash: createHash('sha256').update(randomBytes(16)).digest('base64url'),
      res_id: id,
      actor: 'visitor:bench',
      pricing: '{}',
      expires_at: expiresAt,
      created_at: now,
      updated_at: now,
    });
    const [line] = await trx('order_lines')
      .insert({
        order_id: id,
        area_id: b.areaId,
        product_id: b.items[0]!.productId,
        quantity: v.length,
        units: v.length,
        unit_price: 100,
        amount: 100 * v.length,
      })
      .returning('id');
    await trx('tickets').insert(
      v.map((x, i) => ({
        id: uuidv7(now.getTime()),
        order_id: id,
        order_line_id: line!.id,
        product_id: b.items[0]!.productId,
        area_id: b.areaId,
        visit_date: b.date,
        slot_id: b.slotId,
        units: 1,
        price: 100,
        status: 'pending' as const,
        entries_allowed: 1,
        visitor_name_enc: vault.encrypt(x.name),
        id_type: 'cn_resident',
        id_number_enc: vault.encrypt(x.idNumber),
        id_hash: idHashes[i]!,
        id_masked: maskIdNumber(x.idNumber),
      })),
    );
    await trx('outbox').insert({ topic: 'order.held', aggregate_id: id, payload: JSON.stringify(view) });
    await trx('idempotency_keys')
      .where({ scope: 'bench', key })
      .update({ state: 'done', status_code: 201, response: JSON.stringify(view) });
  });
  return { status: 201, body: JSON.stringify(view) };
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const key = String(req.headers['idempotency-key'] ?? randomBytes(12).toString('hex'));
    order(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Body, key)
      .then(({ status, body }) => {
        res.writeHead(status, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        });
        res.end(body);
      })
      .catch(() => res.writeHead(500).end());
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const a = server.address();
  process.stdout.write(`${typeof a === 'object' && a ? a.port : 0}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  redis.disconnect();
  void db.destroy();
});
