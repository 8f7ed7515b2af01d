import type { Knex } from 'knex';

/**
 * A refund goes back through the channel that took the money (`method`): `provider` —
 * the provider's refund API, sent, polled until final and retried with backoff
 * (`attempts`, `next_attempt_at`, `last_error`; `provider_refund_ref` once accepted);
 * `counter` — cash or card taken at the box office, settled by a cashier at the counter
 * (`awaiting_counter` until then, `settled_by`/`settlement_ref` after); `partner` — a
 * partner-account order, given back as a line of the partner's settlement statement;
 * `none` — nothing was paid. Existing refunds get the method of their payment.
 */
export const name = '0012-refund-channels';

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('refunds', (t) => {
    t.text('method').notNullable().defaultTo('provider');
    t.text('provider');
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('next_attempt_at', { useTz: true });
    t.text('last_error');
    t.text('provider_refund_ref');
    t.timestamp('settled_at', { useTz: true });
    t.text('settled_by');
    t.text('settlement_ref');
  });
  // the method of every refund already booked, from the payment that took the money
  await db.raw(`
    update refunds r set method = case p.provider
        when 'cash' then 'counter' when 'card' then 'counter'
        when 'account' then 'partner' when 'free' then 'none' else 'provider' end,
      provider = case when p.provider in ('wechat', 'alipay') then p.provider end
    from payments p
    where p.id = coalesce(r.payment_id,
      (select id from payments q where q.order_id = r.order_id and q.status in ('succeeded', 'refunded')
        order by q.created_at limit 1))`);
  await db.raw(
    `create index refunds_due on refunds (next_attempt_at) where status in ('pending', 'processing')`,
  );
}

export async function down(db: Knex): Promise<void> {
  await db.raw('drop index if exists refunds_due');
  await db.schema.alterTable('refunds', (t) => {
    for (const c of [
      'method',
      'provider',
      'attempts',
      'next_attempt_at',
      'last_error',
      'provider_refund_ref',
      'settled_at',
      'settled_by',
      'settlement_ref',
    ])
      t.dropColumn(c);
  });
}
