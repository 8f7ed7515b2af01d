import { parseArgs } from 'node:util';
import { systemClock } from '../core/clock.js';
import { loadDbConfig } from '../core/config.js';
import { createDb } from '../core/db/knex.js';
import { revokeGateDevice } from '../core/checkin/devices.js';
import { registerGateAgent } from '../core/auth/gate-agents.js';
import { audit } from '../core/audit/store.js';
import { systemActor } from '../core/orders/model.js';

/**
 * `scenic gate register --id east-1 --area west-lake --entrance east [--kind handheld]`
 * prints a new device credential (once; only its hash is stored; registering an
 * existing id re-keys it; an id of another area is refused). `scenic gate revoke --id
 * east-1` stops a device at once. Both are audited (actor `system:cli`), like the
 * console's `/v1/admin/areas/{areaId}/gate-agents`.
 * Needs DATABASE_URL (and DATABASE_SCHEMA), nothing else.
 */
export async function manageDevices(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      id: { type: 'string' },
      area: { type: 'string' },
      entrance: { type: 'string' },
      kind: { type: 'string', default: 'turnstile' },
    },
  });
  if (!values.id || (verb === 'register' && (!values.area || !values.entrance))) {
    console.error(
      'usage: scenic gate register --id ID --area AREA --entrance ENTRANCE [--kind turnstile|handheld] | scenic gate revoke --id ID',
    );
    return 2;
  }
  if (values.kind !== 'turnstile' && values.kind !== 'handheld') {
    console.error('scenic gate: --kind must be turnstile or handheld');
    return 2;
  }
  const cfg = loadDbConfig();
  const db = createDb({ url: cfg.DATABASE_URL, schema: cfg.DATABASE_SCHEMA, poolMax: 1 });
  try {
    if (verb === 'revoke') {
      await revokeGateDevice(db, values.id, systemClock);
      await audit(db, systemActor('cli'), 'scenic.gate_agent.revoked', `gate:${values.id}`);
      console.error(`gate ${values.id} revoked`);
    } else {
      const { credential } = await registerGateAgent(db, systemClock, systemActor('cli'), values.area!, {
        id: values.id,
        entranceId: values.entrance!,
        kind: values.kind,
      });
      process.stdout.write(`${credential}\n`);
    }
    return 0;
  } finally {
    await db.destroy();
  }
}
