import type { Knex } from 'knex';
import type { Presence } from './protocol.js';

/**
 * In-park figures of an area-day: entries counted once per allowed entry of a ticket
 * (an offline double entry does not inflate them), minus exits. Never below zero.
 */
export async function presenceOf(
  db: Knex,
  areaId: string,
  date: string,
  instantCapacity: number,
): Promise<Presence> {
  const row = await db('area_presence').where({ area_id: areaId, day: date }).first('entries', 'exits');
  const entries = row?.entries ?? 0;
  const exits = row?.exits ?? 0;
  return { areaId, date, entries, exits, inPark: Math.max(0, entries - exits), instantCapacity };
}

export interface FlowPoint {
  entranceId: string;
  minute: string;
  entries: number;
  exits: number;
}

/** Gate openings per entrance per minute, for the crowd screen. */
export async function entranceFlow(db: Knex, areaId: string, from: Date, to: Date): Promise<FlowPoint[]> {
  const rows = await db('entrance_flow')
    .where({ area_id: areaId })
    .andWhere('minute', '>=', from)
    .andWhere('minute', '<', to)
    .orderBy([{ column: 'minute' }, { column: 'entrance_id' }])
    .select('entrance_id', 'minute', 'entries', 'exits');
  return rows.map((r) => ({
    entranceId: r.entrance_id,
    minute: r.minute.toISOString(),
    entries: r.entries,
    exits: r.exits,
  }));
}

/** Accumulates presence and flow changes of one transaction and writes them at its end. */
export class CountDeltas {
  private readonly presence = new Map<string, { entries: number; exits: number }>();
  private readonly flow = new Map<
    string,
    { entranceId: string; minute: Date; entries: number; exits: number }
  >();

  addPresence(day: string, entries: number, exits: number): void {
    const p = this.presence.get(day) ?? { entries: 0, exits: 0 };
    p.entries += entries;
    p.exits += exits;
    this.presence.set(day, p);
  }

  addFlow(entranceId: string, at: Date, entries: number, exits: number): void {
    const minute = new Date(Math.floor(at.getTime() / 60_000) * 60_000);
    const key = `${entranceId}|${minute.toISOString()}`;
    const f = this.flow.get(key) ?? { entranceId, minute, entries: 0, exits: 0 };
    f.entries += entries;
    f.exits += exits;
    this.flow.set(key, f);
  }

  /** Upserts in key order, so concurrent transactions lock rows in the same order. */
  async apply(trx: Knex.Transaction, areaId: string): Promise<void> {
    for (const key of [...this.flow.keys()].sort()) {
      const f = this.flow.get(key)!;
      if (!f.entries && !f.exits) continue;
      await trx('entrance_flow')
        .insert({
          area_id: areaId,
          entrance_id: f.entranceId,
          minute: f.minute,
          entries: f.entries,
          exits: f.exits,
        })
        .onConflict(['area_id', 'entrance_id', 'minute'])
        .merge({
          entries: trx.raw('entrance_flow.entries + excluded.entries'),
          exits: trx.raw('entrance_flow.exits + excluded.exits'),
        });
    }
    for (const day of [...this.presence.keys()].sort()) {
      const p = this.presence.get(day)!;
      if (!p.entries && !p.exits) continue;
      await trx('area_presence')
        .insert({ area_id: areaId, day, entries: p.entries, exits: p.exits })
        .onConflict(['area_id', 'day'])
        .merge({
          entries: trx.raw('area_presence.entries + excluded.entries'),
          exits: trx.raw('area_presence.exits + excluded.exits'),
        });
      // Exits never exceed the day's entries (17.2): a burst of exits cannot leave a
      // negative balance that would swallow the next entries and switch off the limit.
      if (p.exits)
        await trx('area_presence')
          .where({ area_id: areaId, day })
          .andWhere((q) => void q.whereRaw('exits > entries').orWhere('exits', '<', 0))
          .update({ exits: trx.raw('greatest(0, least(exits, entries))') });
    }
  }
}
