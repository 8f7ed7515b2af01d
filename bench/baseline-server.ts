/**
 * The benchmark's baseline: a bare node:http server doing exactly the reservation the
 * API's hold path does (the same Lua script through the same Inventory class, the
 * same tiny JSON body), with nothing else. Started by bench/presale.ts as a child
 * process; prints its port on stdout.
 */
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Inventory, type DayPlan } from '../core/inventory/inventory.js';
import { systemClock } from '../core/clock.js';

const prefix = process.env.REDIS_PREFIX ?? 'bench:';
const plan: DayPlan = JSON.parse(process.env.BENCH_PLAN ?? '{}') as DayPlan;
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { keyPrefix: prefix });
const inv = new Inventory(redis, { prefix, clock: systemClock, loadPlan: () => Promise.resolve(plan) });

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const b = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
      areaId: string;
      date: string;
      slotId: string;
      quantity: number;
    };
    const holdId = randomBytes(12).toString('base64url');
    inv
      .reserve({
        resId: `ph-${holdId}`,
        areaId: b.areaId,
        date: b.date,
        slotId: b.slotId,
        channelId: 'web',
        channelKind: 'online',
        units: b.quantity,
        idHashes: [],
        expiresAt: Date.now() + 300_000,
      })
      .then((r) => {
        const body = JSON.stringify(r.ok ? { holdId, level: r.level } : { code: r.reason });
        res.writeHead(r.ok ? 201 : 409, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        });
        res.end(body);
      })
      .catch(() => {
        res.writeHead(500).end();
      });
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
});
