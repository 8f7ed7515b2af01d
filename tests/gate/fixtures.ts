import { randomBytes, randomUUID } from 'node:crypto';
import express from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Knex } from 'knex';
import { PiiVault } from '../../core/pii/crypto.js';
import { maskIdNumber } from '../../core/pii/mask.js';
import { loadKeyRing, type KeyRing } from '../../core/tickets/keys.js';
import { signTicket } from '../../core/tickets/token.js';
import { hhmmToMinutes, localTime } from '../../core/time.js';
import { registerGateDevice, type GateDevice, type GateKind } from '../../core/checkin/devices.js';
import { systemClock, type Clock } from '../../core/clock.js';
import { createLogger } from '../../core/log.js';
import type { TicketStatus } from '../../core/orders/model.js';
import { createGateRouter, type GateRouterDeps } from '../../api/gate-router.js';
import { notFoundHandler, problemHandler } from '../../api/problem.js';

/**
 * Test data for the gate: an area with three entrances, products and slots, and
 * tickets inserted row by row (orders, lines, tickets) with real signed tokens, so
 * the gate tests do not depend on the order API.
 */
export const TZ = 'Asia/Shanghai';

export interface AreaFixture {
  areaId: string;
  vault: PiiVault;
  ring: KeyRing;
  entrances: string[];
}

export async function seedArea(
  db: Knex,
  opts: {
    areaId?: string;
    instantCapacity?: number;
    graceBeforeMin?: number;
    graceAfterMin?: number;
    clock?: Clock;
  } = {},
): Promise<AreaFixture> {
  const areaId = opts.areaId ?? 'west-lake';
  const vault = new PiiVault(randomBytes(32).toString('base64'), 'gate-test-lookup-key');
  await db('areas').insert({
    id: areaId,
    name: 'West Lake',
    timezone: TZ,
    daily_capacity: 5000,
    instant_capacity: opts.instantCapacity ?? 1000,
  });
  const entrances = ['east', 'west', 'north', 'pier'];
  await db('entrances').insert(entrances.map((e) => ({ id: e, area_id: areaId, name: e })));
  await db('time_slots').insert([
    { area_id: areaId, id: 'day', starts_at: '00:00', ends_at: '23:59', capacity: 5000 },
    { area_id: areaId, id: 'early', starts_at: '00:00', ends_at: '00:30', capacity: 100 },
    { area_id: areaId, id: 'late', starts_at: '23:00', ends_at: '23:59', capacity: 100 },
    { area_id: areaId, id: '0900', starts_at: '09:00', ends_at: '10:00', capacity: 500 },
  ]);
  const product = (id: string, extra: Record<string, unknown> = {}) => ({
    id,
    area_id: areaId,
    name: id,
    kind: 'adult',
    base_price: 10000,
    ...extra,
  });
  await db('products').insert([
    product('adult'),
    product('twice', { entries_allowed: 2 }),
    product('family', { kind: 'family', persons: 3 }),
    product('boat', { entrances: ['pier'], release_on_exit: true }),
    product('pass', { reentry: true }),
  ]);
  await db('channels').insert({ id: 'web', name: 'Web', kind: 'online' }).onConflict('id').ignore();
  if (opts.graceBeforeMin !== undefined || opts.graceAfterMin !== undefined) {
    await db('checkin_settings').insert({
      area_id: areaId,
      grace_before_min: opts.graceBeforeMin ?? 30,
      grace_after_min: opts.graceAfterMin ?? 60,
    });
  }
  const ring = await loadKeyRing(db, vault, opts.clock ?? systemClock);
  return { areaId, vault, ring, entrances };
}

export interface IssuedTicket {
  ticketId: string;
  orderId: string;
  code: string;
  idNumber: string;
}

let idCounter = 0;
/** A syntactically valid resident ID number, different on every call. */
export function newIdNumber(): string {
  idCounter += 1;
  return `110101199003${String(idCounter % 10000).padStart(4, '0')}${String(Math.floor(Math.random() * 90) + 10)}X`.slice(
    0,
    18,
  );
}

/** Today in the area's zone. */
export const today = (clock: Clock = systemClock) => localTime(clock.now(), TZ).date;

/** Inserts an issued order with `count` tickets of one product, signed with the key ring. */
export async function issueOrder(
  db: Knex,
  fx: AreaFixture,
  o: {
    productId?: string;
    date?: string;
    slotId?: string;
    count?: number;
    status?: TicketStatus;
    cardUids?: string[];
  } = {},
): Promise<IssuedTicket[]> {
  const productId = o.productId ?? 'adult';
  const date = o.date ?? today();
  const slotId = o.slotId ?? 'day';
  const count = o.count ?? 1;
  const p = await db('products')
    .where({ area_id: fx.areaId, id: productId })
    .first<{ entries_allowed: number; persons: number }>('entries_allowed', 'persons');
  const slot = await db('time_slots')
    .where({ area_id: fx.areaId, id: slotId })
    .first<{ starts_at: string; ends_at: string }>('starts_at', 'ends_at');
  const orderId = randomUUID();
  await db('orders').insert({
    id: orderId,
    area_id: fx.areaId,
    visit_date: date,
    slot_id: slotId,
    channel_id: 'web',
    status: 'issued',
    amount_total: 10000 * count,
    access_token_hash: 'x',
    res_id: `res-${orderId}`,
    actor: 'test:gate-fixtures',
    pricing: JSON.stringify({}),
  });
  const [line] = await db('order_lines')
    .insert({
      order_id: orderId,
      area_id: fx.areaId,
      product_id: productId,
      quantity: count,
      units: count * p.persons,
      unit_price: 10000,
      amount: 10000 * count,
    })
    .returning<{ id: number }[]>('id');
  const out: IssuedTicket[] = [];
  for (let i = 0; i < count; i++) {
    const ticketId = randomUUID();
    const idNumber = newIdNumber();
    const code = signTicket(fx.ring.signer, {
      ticketId,
      areaId: fx.areaId,
      date,
      slotStartMin: hhmmToMinutes(slot.starts_at),
      slotEndMin: hhmmToMinutes(slot.ends_at),
      productId,
      entriesAllowed: p.entries_allowed,
    });
    await db('tickets').insert({
      id: ticketId,
      order_id: orderId,
      order_line_id: line!.id,
      product_id: productId,
      area_id: fx.areaId,
      visit_date: date,
      slot_id: slotId,
      units: p.persons,
      price: 10000,
      status: o.status ?? 'valid',
      entries_allowed: p.entries_allowed,
      visitor_name_enc: fx.vault.encrypt('张三'),
      id_type: 'cn_resident',
      id_number_enc: fx.vault.encrypt(idNumber),
      id_hash: fx.vault.lookupHash('id', idNumber),
      id_masked: maskIdNumber(idNumber),
      code,
      issued_at: new Date(),
      card_uid: o.cardUids?.[i] ?? null,
    });
    out.push({ ticketId, orderId, code, idNumber });
  }
  return out;
}

/** Refunds a ticket the way the order lifecycle does (status + revoked_at). */
export async function refundTicket(db: Knex, ticketId: string): Promise<void> {
  await db('tickets').where({ id: ticketId }).update({ status: 'refunded', revoked_at: new Date() });
}

export async function registerGate(
  db: Knex,
  fx: AreaFixture,
  id: string,
  entranceId: string,
  kind: GateKind = 'turnstile',
  clock: Clock = systemClock,
): Promise<{ device: GateDevice; credential: string }> {
  return registerGateDevice(db, { id, areaId: fx.areaId, entranceId, kind }, clock);
}

/** The gate router on a small express app, the way api/app.ts mounts it. */
export async function startGateApi(
  db: Knex,
  vault: PiiVault,
  clock: Clock = systemClock,
  extra: Pick<GateRouterDeps, 'idLookupLimits'> = {},
): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const log = createLogger('gate-api-test', 'silent');
  const app = express();
  app.use('/gate/v1', createGateRouter({ db, vault, log, clock, ...extra }));
  app.use(notFoundHandler);
  app.use(problemHandler(log));
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/gate/v1`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
