import type { Knex } from 'knex';
import type { Product } from '../catalog/catalog.js';
import type { PassLinkRow, PassRow } from '../db/tables.js';
import { inputError, notFound } from '../errors.js';
import type { PiiVault } from '../pii/crypto.js';
import { auditChange } from '../audit/store.js';
import type { Actor } from '../orders/model.js';
import type { Clock } from '../clock.js';
import { parseInput } from '../validation.js';
import { PassTerms, lastDay, passDay, type PassDay } from './model.js';

/**
 * The passes' persistence: a product's pass terms, the passes written with their orders,
 * and what a gate needs to know of a pass on a day.
 */
export const PASS_KIND = 'annual_pass';

/** The terms of a pass product; a pass product nobody configured has the defaults. */
export async function passTermsOf(
  db: Knex,
  areaId: string,
  productIds: readonly string[],
): Promise<Map<string, PassTerms>> {
  const rows = productIds.length
    ? await db('pass_terms').where({ area_id: areaId }).whereIn('product_id', productIds)
    : [];
  const out = new Map(productIds.map((id) => [id, PassTerms.parse({})]));
  for (const r of rows) out.set(r.product_id, PassTerms.parse(r.terms));
  return out;
}

export async function getPassTerms(db: Knex, areaId: string, productId: string): Promise<PassTerms> {
  await passProduct(db, areaId, productId);
  return (await passTermsOf(db, areaId, [productId])).get(productId)!;
}

async function passProduct(db: Knex, areaId: string, productId: string): Promise<void> {
  const p = await db('products').where({ area_id: areaId, id: productId }).first('kind');
  if (!p) throw notFound('product_not_found', `area ${areaId} has no product ${productId}`);
  if (p.kind !== PASS_KIND)
    throw inputError('not_a_pass_product', `product ${productId} is a ${p.kind}, not an ${PASS_KIND}`, [
      { path: 'productId', message: `not an ${PASS_KIND} product` },
    ]);
}

/**
 * Declares a pass product's terms (audited with before and after). Every pass of the product
 * still valid is announced to the gates, which learn a new blackout or busy day at once.
 */
export async function putPassTerms(
  db: Knex,
  actor: Actor,
  clock: Clock,
  areaId: string,
  productId: string,
  body: unknown,
): Promise<PassTerms> {
  const terms = parseInput(PassTerms, body);
  return db.transaction(async (trx) => {
    await passProduct(trx, areaId, productId);
    const before = await trx('pass_terms').where({ area_id: areaId, product_id: productId }).first('terms');
    await trx('pass_terms')
      .insert({
        area_id: areaId,
        product_id: productId,
        terms: JSON.stringify(terms),
        updated_at: clock.now(),
      })
      .onConflict(['area_id', 'product_id'])
      .merge();
    await trx.raw(
      `insert into ticket_changes (ticket_id, area_id, visit_date)
       select t.id, t.area_id, t.visit_date from passes ps join tickets t on t.id = ps.ticket_id
        where ps.area_id = ? and ps.product_id = ? and t.status = 'valid' and pass_valid_until(ps.ticket_id) >= (now() - interval '1 day')::date`,
      [areaId, productId],
    );
    await auditChange(trx, actor, {
      action: 'scenic.pass_terms.declared',
      subject: `${areaId}/${productId}`,
      areaId,
      before: before?.terms ?? null,
      after: terms,
    });
    return terms;
  });
}

/** A ticket being written with its order, as the pass hook of placeOrder sees it. */
export interface PlacedTicket {
  id: string;
  product: Pick<Product, 'id' | 'kind'>;
}

/** Placing a pass's booking or renewal: the order's tickets become the pass's links. */
export interface PassLink {
  kind: PassLinkRow['kind'];
  passId: string;
  /** a renewal's extension */
  days: number;
}

/** Whether an order's tickets make or link passes (recordPassTickets then writes rows). */
export const needsPassRows = (tickets: readonly PlacedTicket[], link: PassLink | undefined): boolean =>
  link !== undefined || tickets.some((t) => t.product.kind === PASS_KIND);

/**
 * The hook of placeOrder (in its transaction): an `annual_pass` ticket becomes a pass, valid
 * from the order's date for its product's `validityDays`; a booking's or renewal's tickets
 * are linked to their pass instead. Orders of other products cost one comparison.
 */
export async function recordPassTickets(
  trx: Knex.Transaction,
  o: { orderId: string; areaId: string; date: string; now: Date },
  tickets: readonly PlacedTicket[],
  link: PassLink | undefined,
): Promise<void> {
  if (link) {
    await trx('pass_links').insert(
      tickets.map((t) => ({
        ticket_id: t.id,
        pass_id: link.passId,
        kind: link.kind,
        visit_date: o.date,
        days: link.days,
      })),
    );
    return;
  }
  const passes = tickets.filter((t) => t.product.kind === PASS_KIND);
  if (!passes.length) return;
  const terms = await passTermsOf(trx, o.areaId, [...new Set(passes.map((t) => t.product.id))]);
  await trx('passes').insert(
    passes.map((t) => ({
      ticket_id: t.id,
      order_id: o.orderId,
      area_id: o.areaId,
      product_id: t.product.id,
      valid_from: o.date,
      valid_until: lastDay(o.date, terms.get(t.product.id)!.validityDays),
      photo_enc: null,
      created_at: o.now,
    })),
  );
}

/** Whether the pass has a booking (held or issued) on `date`. */
export async function bookedOn(db: Knex, passId: string, date: string): Promise<boolean> {
  const row = await db('pass_links as l')
    .join('tickets as t', 't.id', 'l.ticket_id')
    .where({ 'l.pass_id': passId, 'l.kind': 'booking', 'l.visit_date': date })
    .whereIn('t.status', ['pending', 'valid'])
    .first<{ ticket_id: string } | undefined>('l.ticket_id');
  return row !== undefined;
}

/** A pass's day at the gate, with its entries counted that day (all gates, and `gateId`'s). */
export interface PassGateDay {
  day: PassDay;
  countedToday: number;
  mineToday: number;
}

/** What the gates need of these tickets that are passes on `date` (others are left out). */
export async function passGateDays(
  db: Knex,
  ticketIds: readonly string[],
  date: string,
  gateId = '',
): Promise<Map<string, PassGateDay>> {
  if (!ticketIds.length) return new Map();
  const { rows } = await db.raw<{
    rows: { ticket_id: string; terms: unknown; booked: boolean; today: number; mine: number }[];
  }>(
    `select ps.ticket_id, pt.terms,
            exists (select 1 from pass_links l join tickets x on x.id = l.ticket_id
                     where l.pass_id = ps.ticket_id and l.kind = 'booking' and l.visit_date = ?::date
                       and x.status = 'valid') as booked,
            (select count(*) from checkin_scans c where c.ticket_id = ps.ticket_id and c.local_date = ?::date
                and c.direction = 'in' and c.counted)::int as today,
            (select count(*) from checkin_scans c where c.ticket_id = ps.ticket_id and c.local_date = ?::date
                and c.direction = 'in' and c.counted and c.gate_id = ?)::int as mine
       from passes ps left join pass_terms pt on pt.area_id = ps.area_id and pt.product_id = ps.product_id
      where ps.ticket_id = any(?::uuid[])`,
    [date, date, date, gateId, [...ticketIds]],
  );
  return new Map(
    rows.map((r) => [
      r.ticket_id,
      {
        day: passDay(PassTerms.parse(r.terms ?? {}), date, r.booked),
        countedToday: r.today,
        mineToday: r.mine,
      },
    ]),
  );
}

/** A pass as its holder and the box office see it (the ID number masked, never whole). */
export interface PassView {
  passId: string;
  orderId: string;
  areaId: string;
  productId: string;
  holder: { name: string; idMasked: string };
  hasPhoto: boolean;
  status: string;
  validFrom: string;
  validUntil: string;
  terms: PassTerms;
  bookings: { date: string; slotId: string; ticketId: string; status: string }[];
  renewals: { orderId: string; days: number; status: string }[];
  /** a card bound to the pass (core/cards), masked */
  card: string | null;
}

type PassRead = PassRow & {
  status: string;
  visitor_name_enc: string;
  id_masked: string;
  card_uid: string | null;
  effective_until: string;
};

export async function loadPass(db: Knex, passId: string): Promise<PassRead> {
  const { rows } = await db.raw<{ rows: PassRead[] }>(
    `select ps.*, ps.valid_from::text as valid_from, ps.valid_until::text as valid_until, t.status,
            t.visitor_name_enc, t.id_masked, t.card_uid, pass_valid_until(ps.ticket_id)::text as effective_until
       from passes ps join tickets t on t.id = ps.ticket_id where ps.ticket_id = ?`,
    [passId],
  );
  if (!rows[0]) throw notFound('pass_not_found', `no pass ${passId}`);
  return rows[0];
}

export async function viewPass(db: Knex, vault: PiiVault, passId: string): Promise<PassView> {
  const p = await loadPass(db, passId);
  const links = await db('pass_links as l')
    .join('tickets as t', 't.id', 'l.ticket_id')
    .where('l.pass_id', passId)
    .orderBy('l.visit_date')
    .select<
      {
        kind: string;
        visit_date: string;
        days: number;
        ticket_id: string;
        order_id: string;
        slot_id: string;
        status: string;
      }[]
    >(
      'l.kind',
      db.raw('l.visit_date::text as visit_date'),
      'l.days',
      'l.ticket_id',
      't.order_id',
      't.slot_id',
      't.status',
    );
  return {
    passId: p.ticket_id,
    orderId: p.order_id,
    areaId: p.area_id,
    productId: p.product_id,
    holder: { name: vault.decrypt(p.visitor_name_enc), idMasked: p.id_masked },
    hasPhoto: p.photo_enc !== null,
    status: p.status,
    validFrom: p.valid_from,
    validUntil: p.effective_until,
    terms: (await passTermsOf(db, p.area_id, [p.product_id])).get(p.product_id)!,
    bookings: links
      .filter((l) => l.kind === 'booking')
      .map((l) => ({ date: l.visit_date, slotId: l.slot_id, ticketId: l.ticket_id, status: l.status })),
    renewals: links
      .filter((l) => l.kind === 'renewal')
      .map((l) => ({ orderId: l.order_id, days: l.days, status: l.status })),
    card: p.card_uid ? `••••${p.card_uid.slice(-4)}` : null,
  };
}

/** A JPEG or PNG photo of the holder, base64, at most 256 KiB decoded; stored sealed. */
export async function setPassPhoto(
  db: Knex,
  vault: PiiVault,
  actor: Actor,
  passId: string,
  photoBase64: string,
): Promise<void> {
  const bytes = Buffer.from(photoBase64, 'base64');
  const jpeg = bytes[0] === 0xff && bytes[1] === 0xd8;
  const png = bytes.subarray(0, 4).toString('hex') === '89504e47';
  if (!bytes.length || bytes.length > 256 * 1024 || !(jpeg || png))
    throw inputError('pass_photo_invalid', 'photo: a JPEG or PNG of at most 256 KiB, base64', [
      { path: 'photo', message: 'not a JPEG or PNG of at most 256 KiB' },
    ]);
  await loadPass(db, passId);
  await db.transaction(async (trx) => {
    await trx('passes')
      .where({ ticket_id: passId })
      .update({ photo_enc: vault.encrypt(photoBase64) });
    // never the photo itself in the trail
    await auditChange(trx, actor, {
      action: 'scenic.pass.photo_set',
      subject: `pass:${passId}`,
      before: null,
      after: { bytes: bytes.length },
    });
  });
}

/** The holder's photo, unsealed (staff at the gate desk compare it with the face). */
export async function passPhoto(db: Knex, vault: PiiVault, passId: string): Promise<string | null> {
  const p = await loadPass(db, passId);
  return p.photo_enc ? vault.decrypt(p.photo_enc) : null;
}
