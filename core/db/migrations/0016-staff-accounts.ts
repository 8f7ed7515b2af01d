import type { Knex } from 'knex';

/**
 * People of the back office (issue 16): accounts with one role over one or more areas
 * (`{*}`: every area), a password hashed with argon2id, an optional TOTP second factor
 * (its secret sealed with the PII vault), lockout state, and a one-time enrolment token
 * (its SHA-256) that sets the first password; and their sessions, stored by the SHA-256
 * of their secret, that expire when idle and can be listed and revoked.
 */
export const name = '0016-staff-accounts';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('staff_accounts', (t) => {
    t.uuid('id').primary();
    t.text('username').notNullable().unique(); // lower-case, never renamed: the audit trail's "who"
    t.text('email').unique();
    t.text('display_name').notNullable();
    t.text('role').notNullable();
    t.specificType('areas', 'text[]').notNullable();
    t.text('channel_id'); // the channel a cashier sells through, if any
    t.text('status').notNullable(); // pending (no password yet) | active | disabled
    t.text('password_hash');
    t.timestamp('password_changed_at', { useTz: true });
    t.text('totp_secret_enc');
    t.text('totp_pending_enc'); // a secret being enrolled, until a code confirms it
    t.timestamp('totp_enabled_at', { useTz: true });
    t.bigInteger('totp_last_step'); // the last step used: a code works once
    t.integer('failed_sign_ins').notNullable().defaultTo(0);
    t.timestamp('locked_until', { useTz: true });
    t.text('enrolment_hash').unique();
    t.timestamp('enrolment_expires_at', { useTz: true });
    t.timestamp('last_sign_in_at', { useTz: true });
    t.text('created_by');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
  });
  await db.schema.createTable('staff_sessions', (t) => {
    t.text('id').primary(); // public part of the token: ss1_<id>_<secret>
    t.uuid('account_id').notNullable().references('staff_accounts.id').onDelete('CASCADE');
    t.text('secret_hash').notNullable();
    t.boolean('second_factor').notNullable(); // TOTP passed in this session
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('last_seen_at', { useTz: true }).notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable(); // absolute lifetime
    t.timestamp('revoked_at', { useTz: true });
    t.text('revoked_reason'); // sign-out | revoked | idle | disabled | password | reset
    t.text('address');
    t.text('user_agent');
    t.index(['account_id', 'revoked_at']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('staff_sessions');
  await db.schema.dropTableIfExists('staff_accounts');
}
