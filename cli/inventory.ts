import { parseArgs } from 'node:util';
import { loadConfig } from '../core/config.js';
import { createPlatform } from '../core/platform.js';
import { reconcileAll, reconcileDay, hasDrift, ORPHAN_GRACE_MS } from '../core/orders/reconcile.js';

/**
 * `scenic inventory rebuild [--area ID --date YYYY-MM-DD] [--no-grace]`: rebuilds the
 * Redis stock from Postgres (after a Redis loss, or to be sure) and prints what it
 * repaired. Safe while selling; `--no-grace` also releases reservations younger than
 * the grace period, for when no API is running.
 * `scenic inventory reconcile`: the same over every area-day that matters.
 */
export async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      area: { type: 'string' },
      date: { type: 'string' },
      'no-grace': { type: 'boolean', default: false },
    },
  });
  const action = positionals[0];
  if (action !== 'rebuild' && action !== 'reconcile') {
    console.error(
      'usage: scenic inventory rebuild [--area ID --date YYYY-MM-DD] [--no-grace] | scenic inventory reconcile',
    );
    return 2;
  }
  if (
    (values.area === undefined) !== (values.date === undefined) ||
    (values.date && !/^\d{4}-\d{2}-\d{2}$/.test(values.date))
  ) {
    console.error('scenic inventory: give both --area and --date (YYYY-MM-DD), or neither');
    return 2;
  }
  const p = createPlatform(loadConfig(), { role: 'inventory' });
  const grace = values['no-grace'] ? 0 : ORPHAN_GRACE_MS;
  try {
    const reports =
      values.area && values.date
        ? [await reconcileDay(p.orders, values.area, values.date, grace)]
        : await reconcileAll(p.orders, await p.inventory.reservationDays(), grace);
    for (const r of reports) {
      console.log(
        `${r.areaId} ${r.date}: ${hasDrift(r) ? 'repaired' : 'in sync'}` +
          (r.orphansReleased.length ? `, released ${r.orphansReleased.length} orphaned holds` : '') +
          (r.adopted.length ? `, restored ${r.adopted.length} reservations` : '') +
          (r.corrected.length ? `, corrected ${r.corrected.length}` : '') +
          (r.counters.length
            ? `, fixed counters ${r.counters.map((c) => `${c.field} ${c.was}→${c.now}`).join(' ')}`
            : ''),
      );
    }
    if (!reports.length) console.log('no area-day with live orders or holds');
    return 0;
  } finally {
    await p.close();
  }
}
