import type { Knex } from 'knex';

/**
 * A WeChat refund can end ABNORMAL (the payer's card is frozen or closed): the money then
 * waits in WeChat's refund account, and sending the refund again with the same number only
 * answers ABNORMAL again. Scenic asks WeChat to send it to the merchant's settlement bank
 * account (发起异常退款, `MERCHANT_BANK_CARD`) and a cashier hands it back at the counter.
 * `abnormal_at` records when the payer's account refused it; `abnormal_route` where we told
 * WeChat to send it (`merchant_bank_card`), so the later SUCCESS is read as "back with the
 * merchant" (`awaiting_counter`), never as "back with the payer"; `provider_settled_at`
 * when WeChat finished its part (reconciliation matches the refund line of that day).
 */
export const name = '0033-abnormal-refunds';

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('refunds', (t) => {
    t.timestamp('abnormal_at', { useTz: true });
    t.text('abnormal_route');
    t.timestamp('provider_settled_at', { useTz: true });
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('refunds', (t) => {
    t.dropColumn('abnormal_at');
    t.dropColumn('abnormal_route');
    t.dropColumn('provider_settled_at');
  });
}
