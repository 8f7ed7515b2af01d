import type { Knex } from 'knex';

/** Check-in: the redemption ledger of gate scans (owned by core/checkin, issue #5). */
export const name = '0003-checkin';

export async function up(_db: Knex): Promise<void> {}

export async function down(_db: Knex): Promise<void> {}
