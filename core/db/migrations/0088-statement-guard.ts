import type { Knex } from 'knex';

/**
 * A guard for statements that commit by themselves (issue 19): `scenic_require(ok, reason)`
 * fails the statement it is part of when `ok` is false, so every data-modifying clause of
 * that statement is undone with it. An order sent as one statement without a transaction
 * (core/db/one-statement.ts) stores its idempotency key's answer only while its run still
 * owns the key, and writes nothing when it does not. The SQLSTATE is the platform's own
 * (core/db/errors.ts `GUARD_REFUSED`), so no other failure is taken for it.
 */
export const name = '0088-statement-guard';

export async function up(db: Knex): Promise<void> {
  await db.raw(`
    create or replace function scenic_require(ok boolean, reason text) returns boolean
    language plpgsql volatile as $$
    begin
      if ok is not true then
        raise exception using errcode = 'SG001', message = reason;
      end if;
      return true;
    end
    $$`);
}

export async function down(db: Knex): Promise<void> {
  await db.raw('drop function if exists scenic_require(boolean, text)');
}
