import { parseArgs } from 'node:util';
import { z } from 'zod';
import { systemClock } from '../core/clock.js';
import { loadKeysConfig } from '../core/config.js';
import { createDb } from '../core/db/knex.js';
import { isDomainError } from '../core/errors.js';
import { systemActor } from '../core/orders/model.js';
import { PiiVault } from '../core/pii/crypto.js';
import {
  SEALED_COLUMNS,
  pendingReencryption,
  reencryptPii,
  type SealedTable,
} from '../core/pii/reencrypt.js';
import {
  listSigningKeys,
  retireSigningKey,
  revokeSigningKey,
  rotateSigningKey,
} from '../core/tickets/keys.js';
import { parseInput } from '../core/validation.js';

export const KEYS_USAGE =
  'usage: scenic keys list\n' +
  '       scenic keys rotate                    a new ticket-signing key signs; the old one keeps verifying\n' +
  '       scenic keys retire --kid KID [--now]  stops verifying once its tickets are past validity (or now)\n' +
  '       scenic keys revoke --kid KID          stops verifying at once; gates drop it at their next refresh\n' +
  '       scenic keys reencrypt [--batch 500] [--table T] [--pause-ms 0] [--check]\n' +
  '                                             seal every PII value again with SCENIC_PII_KEY_ID';

/**
 * `scenic keys …`: the ticket-signing key lifecycle and the PII re-encryption after a PII key
 * rotation (core/tickets/keys.ts, core/pii/reencrypt.ts; issue 17 item 16). Needs
 * DATABASE_URL, the PII keys and SCENIC_LOOKUP_KEY, nothing else. Every change is audited.
 */
export async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      kid: { type: 'string' },
      now: { type: 'boolean', default: false },
      batch: { type: 'string', default: '500' },
      table: { type: 'string', multiple: true },
      'pause-ms': { type: 'string', default: '0' },
      check: { type: 'boolean', default: false },
    },
  });
  const verbs = ['list', 'rotate', 'retire', 'revoke', 'reencrypt'];
  if (!verb || !verbs.includes(verb) || ((verb === 'retire' || verb === 'revoke') && !values.kid)) {
    console.error(KEYS_USAGE);
    return 2;
  }
  const tables = SEALED_COLUMNS.map((t) => t.table) as [SealedTable, ...SealedTable[]];
  const opts = parseInput(
    z.object({
      batch: z.coerce.number().int().min(1).max(10_000),
      'pause-ms': z.coerce.number().int().min(0).max(60_000),
      table: z.array(z.enum(tables)).optional(),
    }),
    values,
  );
  const cfg = loadKeysConfig();
  const db = createDb({ url: cfg.DATABASE_URL, schema: cfg.DATABASE_SCHEMA, poolMax: 2 });
  const vault = new PiiVault(cfg.pii, cfg.SCENIC_LOOKUP_KEY);
  const actor = systemActor('scenic-keys');
  const out = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
  try {
    if (verb === 'list') for (const k of await listSigningKeys(db, systemClock)) out(k);
    else if (verb === 'rotate') out({ signing: await rotateSigningKey(db, vault, systemClock, actor) });
    else if (verb === 'retire')
      out(await retireSigningKey(db, systemClock, actor, values.kid!, { immediately: values.now }));
    else if (verb === 'revoke') out(await revokeSigningKey(db, vault, systemClock, actor, values.kid!));
    else if (values.check) {
      const left = await pendingReencryption(db, vault);
      for (const r of left) out(r);
      return left.some((r) => r.rows > 0) ? 1 : 0;
    } else {
      const reports = await reencryptPii(db, vault, {
        batch: opts.batch,
        pauseMs: opts['pause-ms'],
        tables: opts.table,
        onBatch: (table, rows) => console.error(`${table}: ${rows} rows`),
      });
      for (const r of reports) out(r);
      return reports.some((r) => r.skipped > 0) ? 1 : 0;
    }
    return 0;
  } catch (err) {
    if (!isDomainError(err)) throw err;
    console.error(`scenic keys: ${err.message} (${err.code})`);
    return 1;
  } finally {
    await db.destroy();
  }
}
