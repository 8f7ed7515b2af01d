import { parseArgs } from 'node:util';
import { systemClock } from '../core/clock.js';
import { loadKeysConfig } from '../core/config.js';
import { createDb } from '../core/db/knex.js';
import { isDomainError } from '../core/errors.js';
import { systemActor } from '../core/orders/model.js';
import { PiiVault } from '../core/pii/crypto.js';
import { parseInput } from '../core/validation.js';
import {
  CounterInput,
  listCounters,
  registerZoneCounter,
  retireZoneCounter,
} from '../core/zones/registry.js';

export const COUNTER_USAGE =
  'usage: scenic counter register --id ID --area AREA --zone ZONE\n' +
  '       scenic counter list --area AREA\n' +
  '       scenic counter retire --id ID --area AREA';

/**
 * `scenic counter register|list|retire`: people-counting sensors of an area's zones, the
 * command-line twin of `/v1/admin/areas/{areaId}/counters` (core/zones/registry.ts), next
 * to `scenic gate register`. `register` prints the sensor's key id and HMAC secret on
 * stdout (once; stored sealed with the PII key, so this needs SCENIC_PII_KEY and
 * SCENIC_LOOKUP_KEY besides DATABASE_URL); `list` prints one JSON line per sensor; `retire`
 * stops one at once. All are audited (actor `system:cli`).
 */
export async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: { id: { type: 'string' }, area: { type: 'string' }, zone: { type: 'string' } },
  });
  const ok =
    !!values.area &&
    ((verb === 'register' && !!values.id && !!values.zone) ||
      verb === 'list' ||
      (verb === 'retire' && !!values.id));
  if (!ok) {
    console.error(COUNTER_USAGE);
    return 2;
  }
  const cfg = loadKeysConfig();
  const db = createDb({ url: cfg.DATABASE_URL, schema: cfg.DATABASE_SCHEMA, poolMax: 1 });
  const actor = systemActor('cli');
  const area = values.area!;
  try {
    if (verb === 'list') {
      for (const c of await listCounters(db, area)) process.stdout.write(`${JSON.stringify(c)}\n`);
    } else if (verb === 'retire') {
      await retireZoneCounter(db, systemClock, actor, area, values.id!);
      console.error(`counter ${values.id} retired: its next report is refused`);
    } else {
      const input = parseInput(CounterInput, { id: values.id, zoneId: values.zone });
      const vault = new PiiVault(cfg.pii, cfg.SCENIC_LOOKUP_KEY);
      const out = await registerZoneCounter(db, vault, systemClock, actor, area, input);
      console.error(
        `counter ${out.keyId} registered for zone ${input.zoneId} of ${area}: configure the sensor with ` +
          `key id ${out.keyId} and the secret below (shown once), signing ${out.signing} to ${out.endpoint}`,
      );
      process.stdout.write(`${JSON.stringify({ keyId: out.keyId, secret: out.secret })}\n`);
    }
    return 0;
  } catch (err) {
    if (!isDomainError(err)) throw err;
    console.error(`scenic counter: ${err.message} (${err.code})`);
    return 1;
  } finally {
    await db.destroy();
  }
}
