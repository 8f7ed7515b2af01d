import type { Knex } from 'knex';
import { PiiVault } from './crypto.js';

/**
 * Every column that holds a value sealed with the PII vault, by table and primary key. A
 * new sealed column is added here, or a PII key rotation leaves it behind (the test
 * `core/pii/reencrypt.test.ts` checks the list against the tables' `_enc` columns).
 */
export const SEALED_COLUMNS = [
  { table: 'orders', key: 'id', columns: ['contact_phone_enc'] },
  { table: 'tickets', key: 'id', columns: ['visitor_name_enc', 'id_number_enc', 'group_enc'] },
  { table: 'waitlist', key: 'id', columns: ['contact_phone_enc'] },
  { table: 'staff_accounts', key: 'id', columns: ['totp_secret_enc', 'totp_pending_enc'] },
  { table: 'partner_credentials', key: 'key_id', columns: ['secret_enc', 'webhook_secret_enc'] },
  { table: 'signing_keys', key: 'kid', columns: ['private_key_enc'] },
  { table: 'counter_devices', key: 'id', columns: ['secret_enc'] },
  { table: 'passes', key: 'ticket_id', columns: ['photo_enc'] },
  {
    table: 'member_accounts',
    key: 'id',
    columns: ['phone_enc', 'name_enc', 'id_number_enc', 'mp_openid_enc'],
  },
  { table: 'merchants', key: 'id', columns: ['secret_enc'] },
] as const;

export type SealedTable = (typeof SEALED_COLUMNS)[number]['table'];

export interface ReencryptReport {
  table: SealedTable;
  /** rows whose values were sealed again with the current key */
  rewritten: number;
  /** rows left as they were: a value under a key that is not configured, or changed meanwhile */
  skipped: number;
}

export interface ReencryptOptions {
  /** rows per batch (one short transaction each) */
  batch?: number;
  /** only these tables */
  tables?: readonly SealedTable[];
  /** between batches, so a big table does not crowd out the live traffic */
  pauseMs?: number;
  /** after each batch (progress on the command line) */
  onBatch?: (table: SealedTable, rows: number) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Seals every value that is not under the vault's current key again with it, table by
 * table, in batches walked by primary key. Idempotent and resumable: a value already under
 * the current key is never selected, so a second run (or one after an interruption) only
 * does what is left. Each row is written only if its values are still the ones read.
 */
export async function reencryptPii(
  db: Knex,
  vault: PiiVault,
  o: ReencryptOptions = {},
): Promise<ReencryptReport[]> {
  const batch = o.batch ?? 500;
  const current = `v2.${vault.currentKeyId}.%`;
  const reports: ReencryptReport[] = [];
  for (const t of SEALED_COLUMNS) {
    if (o.tables && !o.tables.includes(t.table)) continue;
    const report: ReencryptReport = { table: t.table, rewritten: 0, skipped: 0 };
    const stale = t.columns.map(() => '(?? is not null and ?? not like ?)').join(' or ');
    const staleArgs = t.columns.flatMap((c) => [c, c, current]);
    let after: string | undefined;
    for (;;) {
      const { rows } = await db.raw<{ rows: Record<string, string | null>[] }>(
        `select ??::text as k, ${t.columns.map(() => '??').join(', ')} from ?? where (${stale})` +
          `${after === undefined ? '' : ' and ??::text > ?'} order by ??::text limit ?`,
        [
          t.key,
          ...t.columns,
          t.table,
          ...staleArgs,
          ...(after === undefined ? [] : [t.key, after]),
          t.key,
          batch,
        ],
      );
      if (!rows.length) break;
      for (const row of rows) {
        if (await rewriteRow(db, vault, t, row)) report.rewritten++;
        else report.skipped++;
      }
      after = rows[rows.length - 1]!.k!;
      o.onBatch?.(t.table, rows.length);
      if (rows.length < batch) break;
      if (o.pauseMs) await sleep(o.pauseMs);
    }
    reports.push(report);
  }
  return reports;
}

async function rewriteRow(
  db: Knex,
  vault: PiiVault,
  t: (typeof SEALED_COLUMNS)[number],
  row: Record<string, string | null>,
): Promise<boolean> {
  const sets: string[] = [];
  const args: string[] = [t.table];
  const guards: string[] = [];
  for (const c of t.columns) {
    const v = row[c];
    if (v === null || v === undefined || PiiVault.keyIdOf(v) === vault.currentKeyId) continue;
    let plain: string;
    try {
      plain = vault.decrypt(v);
    } catch {
      return false; // its key is not configured (or it is not a sealed value): left for a human
    }
    sets.push('?? = ?');
    args.push(c, vault.encrypt(plain));
    guards.push(c, v);
  }
  if (!sets.length) return false;
  const r = await db.raw<{ rowCount: number }>(
    `update ?? set ${sets.join(', ')} where ??::text = ?${' and ?? = ?'.repeat(guards.length / 2)}`,
    [...args, t.key, row.k!, ...guards],
  );
  return r.rowCount === 1;
}

/** How many rows still hold a value not under the current key, per table (`--check`). */
export async function pendingReencryption(
  db: Knex,
  vault: PiiVault,
): Promise<{ table: SealedTable; rows: number }[]> {
  const current = `v2.${vault.currentKeyId}.%`;
  const out: { table: SealedTable; rows: number }[] = [];
  for (const t of SEALED_COLUMNS) {
    const stale = t.columns.map(() => '(?? is not null and ?? not like ?)').join(' or ');
    const { rows } = await db.raw<{ rows: { n: string }[] }>(`select count(*) as n from ?? where ${stale}`, [
      t.table,
      ...t.columns.flatMap((c) => [c, c, current]),
    ]);
    out.push({ table: t.table, rows: Number(rows[0]!.n) });
  }
  return out;
}
