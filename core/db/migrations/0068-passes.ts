import type { Knex } from 'knex';

/**
 * Annual passes (issue 18). A pass is an ordinary ticket of an `annual_pass` product (bought,
 * paid, refunded and bound to an NFC card like any ticket, its holder's ID number sealed
 * on the ticket row); `passes` adds what makes it a pass: its validity and an optional
 * sealed photo. `pass_terms` are a product's pass rules (entry rule, blackout and busy
 * days, priority lane, renewal length). `pass_links` are the pass's other tickets: a busy
 * day's free slot booking and a renewal, each an order of its own that took stock like any
 * ticket; a renewal extends the pass only while its ticket is valid, so refunding it shrinks
 * the validity back. The gates never see linked tickets: they admit the pass itself.
 */
export const name = '0068-passes';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('pass_terms', (t) => {
    t.text('area_id').notNullable();
    t.text('product_id').notNullable();
    t.jsonb('terms').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.primary(['area_id', 'product_id']);
    t.foreign(['area_id', 'product_id']).references(['area_id', 'id']).inTable('products');
  });
  await db.schema.createTable('passes', (t) => {
    // the pass's own ticket: its QR, its ID number, its card
    t.uuid('ticket_id').primary().references('tickets.id');
    t.uuid('order_id').notNullable().references('orders.id');
    t.text('area_id').notNullable();
    t.text('product_id').notNullable();
    t.date('valid_from').notNullable();
    // the last day bought with the pass itself; renewals add to it (pass_valid_until)
    t.date('valid_until').notNullable();
    t.text('photo_enc'); // sealed with the PII vault, like the ID number
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['area_id', 'valid_until']);
  });
  await db.schema.createTable('pass_links', (t) => {
    t.uuid('ticket_id').primary().references('tickets.id');
    t.uuid('pass_id').notNullable().references('passes.ticket_id');
    t.text('kind').notNullable(); // booking | renewal
    t.date('visit_date').notNullable();
    t.integer('days').notNullable().defaultTo(0); // a renewal's extension
    t.index(['pass_id', 'kind']);
  });
  await db.raw(
    `alter table pass_links add constraint pass_links_kind check (kind in ('booking', 'renewal'))`,
  );
  // `set search_path from current`: tests run one schema per file (see 0003)
  await db.raw(`
    create function pass_valid_until(p_ticket uuid) returns date language sql stable
    set search_path from current as $$
      select ps.valid_until + coalesce((
        select sum(l.days)::int from pass_links l join tickets x on x.id = l.ticket_id
         where l.pass_id = ps.ticket_id and l.kind = 'renewal' and x.status = 'valid'), 0)
        from passes ps where ps.ticket_id = p_ticket
    $$`);
  // a booking or renewal issued or refunded changes what the pass admits: tell the gates
  await db.raw(`
    create function scenic_pass_link_changed() returns trigger language plpgsql
    set search_path from current as $$
    begin
      insert into ticket_changes (ticket_id, area_id, visit_date)
        select pt.id, pt.area_id, pt.visit_date from pass_links l join tickets pt on pt.id = l.pass_id
         where l.ticket_id = new.id;
      return null;
    end $$`);
  await db.raw(`
    create trigger pass_link_changed after update of status on tickets
    for each row when (old.status is distinct from new.status) execute function scenic_pass_link_changed()`);
}

export async function down(db: Knex): Promise<void> {
  await db.raw('drop trigger if exists pass_link_changed on tickets');
  await db.raw('drop function if exists scenic_pass_link_changed()');
  await db.raw('drop function if exists pass_valid_until(uuid)');
  await db.schema.dropTable('pass_links');
  await db.schema.dropTable('passes');
  await db.schema.dropTable('pass_terms');
}
