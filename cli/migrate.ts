import { loadDbConfig } from '../core/config.js';
import { createDb } from '../core/db/knex.js';
import { migrateDown, migrateLatest, migrationStatus } from '../core/db/migrate.js';

export async function main(argv: string[]): Promise<number> {
  const action = argv[0] ?? 'up';
  const cfg = loadDbConfig();
  const db = createDb({ url: cfg.DATABASE_URL, schema: cfg.DATABASE_SCHEMA, poolMax: 2 });
  try {
    switch (action) {
      case 'up': {
        const names = await migrateLatest(db, cfg.DATABASE_SCHEMA);
        console.log(names.length ? `applied: ${names.join(', ')}` : 'already up to date');
        return 0;
      }
      case 'down':
      case 'down-all': {
        const names = await migrateDown(db, cfg.DATABASE_SCHEMA, action === 'down-all');
        console.log(names.length ? `rolled back: ${names.join(', ')}` : 'nothing to roll back');
        return 0;
      }
      case 'status': {
        const s = await migrationStatus(db, cfg.DATABASE_SCHEMA);
        console.log(JSON.stringify(s, null, 2));
        return s.pending.length ? 1 : 0;
      }
      default:
        console.error(`scenic migrate: unknown action '${action}' (up|down|down-all|status)`);
        return 2;
    }
  } finally {
    await db.destroy();
  }
}
