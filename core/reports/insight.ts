import type { Knex } from 'knex';
import type { TicketRow } from '../db/tables.js';
import type { PiiVault } from '../pii/crypto.js';
import { regionOfResidentId } from '../pii/regions.js';

/**
 * Visitor insight of a visit day without personal data: ID documents are decrypted in
 * memory only to derive an age band and a region, then dropped; the result holds
 * counts per band, region and party size, and how many visitors came before.
 */
export interface VisitorInsight {
  visitors: number;
  repeatVisitors: number;
  ageBands: Record<string, number>;
  regions: Record<string, number>;
  partySizes: Record<string, number>;
}

export const AGE_BANDS = ['0-6', '7-17', '18-29', '30-44', '45-59', '60+'] as const;

export function ageBand(birth: string, on: string): string {
  const age =
    Number(on.slice(0, 4)) -
    Number(birth.slice(0, 4)) -
    (on.slice(5, 7) + on.slice(8, 10) < birth.slice(4, 8) ? 1 : 0);
  if (!Number.isFinite(age) || age < 0) return 'unknown';
  return age <= 6
    ? '0-6'
    : age <= 17
      ? '7-17'
      : age <= 29
        ? '18-29'
        : age <= 44
          ? '30-44'
          : age <= 59
            ? '45-59'
            : '60+';
}

/** Age band and region of one document; nothing else leaves this function. */
export function profile(
  idType: string,
  idNumber: string,
  visitDate: string,
): { band: string; region: string } {
  if (idType === 'cn_resident' && /^\d{17}[\dX]$/i.test(idNumber)) {
    return {
      band: ageBand(idNumber.slice(6, 14), visitDate),
      region: regionOfResidentId(idNumber) ?? 'unknown',
    };
  }
  const region =
    idType === 'hk_macau_permit'
      ? 'Hong Kong/Macau'
      : idType === 'taiwan_permit'
        ? 'Taiwan'
        : idType === 'passport'
          ? 'international'
          : 'unknown';
  return { band: 'unknown', region };
}

const partyBucket = (n: number) => (n <= 1 ? '1' : n === 2 ? '2' : n <= 5 ? '3-5' : n <= 10 ? '6-10' : '11+');

export async function visitorInsight(
  db: Knex,
  vault: PiiVault,
  areaId: string,
  date: string,
): Promise<VisitorInsight> {
  const rows = await db('tickets as t')
    .join('orders as o', 'o.id', 't.order_id')
    .where({ 't.area_id': areaId, 't.visit_date': date, 't.status': 'valid' })
    .select<Pick<TicketRow, 'order_id' | 'units' | 'id_type' | 'id_number_enc' | 'id_hash'>[]>(
      't.order_id',
      't.units',
      't.id_type',
      't.id_number_enc',
      't.id_hash',
    );
  const ageBands: Record<string, number> = Object.fromEntries(AGE_BANDS.map((b) => [b, 0]));
  const regions: Record<string, number> = {};
  const party = new Map<string, number>();
  for (const r of rows) {
    const p = profile(r.id_type, vault.decrypt(r.id_number_enc), date);
    ageBands[p.band] = (ageBands[p.band] ?? 0) + 1;
    regions[p.region] = (regions[p.region] ?? 0) + 1;
    party.set(r.order_id, (party.get(r.order_id) ?? 0) + r.units);
  }
  const partySizes: Record<string, number> = {};
  for (const n of party.values()) partySizes[partyBucket(n)] = (partySizes[partyBucket(n)] ?? 0) + 1;
  const hashes = [...new Set(rows.map((r) => r.id_hash))];
  let repeatVisitors = 0;
  for (let i = 0; i < hashes.length; i += 1000) {
    const [c] = await db('tickets')
      .where('area_id', areaId)
      .whereIn('id_hash', hashes.slice(i, i + 1000))
      .where('visit_date', '<', date)
      .where('entries_used', '>', 0)
      .countDistinct<{ n: string | number }[]>({ n: 'id_hash' });
    repeatVisitors += Number(c?.n ?? 0);
  }
  return {
    visitors: rows.length,
    repeatVisitors,
    ageBands,
    regions: Object.fromEntries(Object.entries(regions).sort()),
    partySizes,
  };
}
