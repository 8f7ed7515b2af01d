import type { Knex } from 'knex';

/** Catalog: areas, entrances, products, time slots, channels and their quotas, price rules, coupons. */
export const name = '0001-catalog';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('areas', (t) => {
    t.text('id').primary();
    t.text('name').notNullable();
    t.text('timezone').notNullable().defaultTo('Asia/Shanghai');
    t.integer('daily_capacity').notNullable();
    t.integer('instant_capacity').notNullable();
    // Percentages of daily capacity: yellow = "almost full", orange = online channels
    // stop (the rest is the on-site reserve), red = every channel stops.
    t.jsonb('thresholds')
      .notNullable()
      .defaultTo(JSON.stringify({ yellow: 70, orange: 85, red: 100 }));
    t.integer('id_daily_limit').notNullable().defaultTo(5);
    t.timestamps(true, true);
  });
  await db.schema.createTable('entrances', (t) => {
    t.text('id').primary();
    t.text('area_id').notNullable().references('areas.id');
    t.text('name').notNullable();
  });
  await db.schema.createTable('time_slots', (t) => {
    t.text('area_id').notNullable().references('areas.id');
    t.text('id').notNullable(); // e.g. "0900"
    t.text('starts_at').notNullable(); // local "HH:MM"
    t.text('ends_at').notNullable();
    t.integer('capacity').notNullable();
    t.primary(['area_id', 'id']);
  });
  await db.schema.createTable('products', (t) => {
    t.text('id').primary();
    t.text('area_id').notNullable().references('areas.id');
    t.text('name').notNullable();
    t.text('kind').notNullable(); // adult|child|senior|student|family|group|annual_pass|combo
    t.bigInteger('base_price').notNullable(); // minor units
    t.text('currency').notNullable().defaultTo('CNY');
    t.integer('persons').notNullable().defaultTo(1); // capacity units one item uses
    t.integer('entries_allowed').notNullable().defaultTo(1);
    t.boolean('reentry').notNullable().defaultTo(false);
    t.boolean('date_bound').notNullable().defaultTo(true);
    t.integer('validity_days').notNullable().defaultTo(1);
    t.boolean('free_reschedule').notNullable().defaultTo(false);
    t.boolean('release_on_exit').notNullable().defaultTo(false);
    t.specificType('entrances', 'text[]'); // null = every entrance
    t.jsonb('components').notNullable().defaultTo('[]'); // combo items: [{item, name}]
    t.boolean('active').notNullable().defaultTo(true);
  });
  await db.schema.createTable('channels', (t) => {
    t.text('id').primary(); // web, mini, box-office, kiosk, handheld, ota:<partner>
    t.text('name').notNullable();
    t.text('kind').notNullable(); // online | onsite
    t.boolean('enabled').notNullable().defaultTo(true);
    t.integer('commission_bps').notNullable().defaultTo(0);
    t.integer('discount_bps').notNullable().defaultTo(0);
    t.text('sells_from'); // local "HH:MM", null = any time
    t.text('sells_until');
  });
  await db.schema.createTable('channel_quotas', (t) => {
    t.text('area_id').notNullable().references('areas.id');
    t.text('channel_id').notNullable().references('channels.id');
    t.integer('quota'); // absolute per area-day
    t.integer('share_bps'); // or a share of daily capacity
    t.primary(['area_id', 'channel_id']);
  });
  await db.schema.createTable('price_rules', (t) => {
    t.increments('id');
    t.text('area_id').notNullable().references('areas.id');
    t.text('product_id').references('products.id'); // null = all products
    t.text('kind').notNullable(); // channel|early_bird|night|calendar|member|presale
    t.jsonb('params').notNullable();
    t.boolean('active').notNullable().defaultTo(true);
  });
  await db.schema.createTable('coupons', (t) => {
    t.text('code').primary();
    t.text('area_id').notNullable().references('areas.id');
    t.text('kind').notNullable(); // percent | amount
    t.integer('value').notNullable(); // bps for percent, minor units for amount
    t.integer('max_uses');
    t.integer('used').notNullable().defaultTo(0);
    t.boolean('stackable').notNullable().defaultTo(false);
    t.bigInteger('min_amount').notNullable().defaultTo(0);
    t.timestamp('valid_from', { useTz: true });
    t.timestamp('valid_until', { useTz: true });
  });
}

export async function down(db: Knex): Promise<void> {
  for (const t of [
    'coupons',
    'price_rules',
    'channel_quotas',
    'channels',
    'products',
    'time_slots',
    'entrances',
    'areas',
  ]) {
    await db.schema.dropTableIfExists(t);
  }
}
