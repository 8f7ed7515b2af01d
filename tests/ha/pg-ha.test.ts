import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { ensureUp, lastJson, recordFigure, runScript } from '../support/ha.js';
import { waitFor } from '../support/processes.js';
import { uniqueSuffix } from '../support/services.js';

interface KillResult {
  killed: string;
  killedPort: number;
  promoted: string;
  promotedPort: number;
  refusedSeconds: number;
  failedProbes: number;
  rejoinSeconds: number | null;
}

describe('Postgres failover: Patroni + HAProxy (scripts/pg-ha.sh)', () => {
  let url = '';
  let replicaUrl = '';
  const table = `ha_${uniqueSuffix()}`;
  const clients: pg.Client[] = [];

  const connect = async (to = url): Promise<pg.Client> => {
    const c = new pg.Client({ connectionString: to, connectionTimeoutMillis: 3000 });
    // A connection the failover cuts emits 'error'; the test asserts on the query instead.
    c.on('error', () => undefined);
    clients.push(c);
    await c.connect();
    return c;
  };
  const one = async <T>(c: pg.Client, sql: string): Promise<T> => (await c.query<{ v: T }>(sql)).rows[0]!.v;

  beforeAll(async () => {
    const env = await ensureUp('pg-ha');
    url = env.PG_HA_URL!;
    replicaUrl = env.PG_HA_REPLICA_URL!;
    const c = await connect();
    await c.query(`create table ${table} (id serial primary key, note text not null)`);
  }, 300_000);

  afterAll(async () => {
    const c = await connect().catch(() => undefined);
    await c?.query(`drop table if exists ${table}`);
    await Promise.all(clients.map((cl) => cl.end().catch(() => undefined)));
  });

  it('writes durably through HAProxy to the primary, which has a streaming synchronous standby', async () => {
    const c = await connect();
    expect(await one(c, 'select pg_is_in_recovery() as v')).toBe(false);
    expect(await one(c, "select current_setting('fsync') as v")).toBe('on');
    expect(await one(c, "select current_setting('synchronous_commit') as v")).toBe('on');
    expect(await one(c, "select count(*)::int as v from pg_stat_replication where sync_state = 'sync'")).toBe(
      1,
    );
    await c.query(`insert into ${table} (note) values ('first')`);

    // The replicas port reaches the standby, read-only, which has the row once replayed.
    const r = await connect(replicaUrl);
    expect(await one(r, 'select pg_is_in_recovery() as v')).toBe(true);
    await waitFor('the standby to replay the row', async () => {
      return (await one<number>(r, `select count(*)::int as v from ${table}`)) === 1;
    });
  });

  it('refuses writes after SIGKILL of the primary, then takes them on the promoted standby', async () => {
    const held = await connect();
    const oldPort = await one<number>(held, 'select inet_server_port() as v');
    await held.query(`insert into ${table} (note) values ('before the kill')`);

    const { stdout } = await runScript('pg-ha', ['kill-primary'], 300_000);
    const result = lastJson<KillResult>(stdout);
    recordFigure('pg-ha writes refused (SIGKILL postmaster → write on new primary)', result.refusedSeconds);
    expect(result.killedPort).toBe(oldPort);
    expect(result.promotedPort).not.toBe(oldPort);
    expect(result.failedProbes).toBeGreaterThan(0);
    expect(result.refusedSeconds).toBeLessThan(30);

    // The connection held across the kill is gone; a new one lands on the new primary
    // and sees every row committed before the kill (the standby was synchronous).
    await expect(held.query('select 1')).rejects.toThrow();
    const c = await connect();
    expect(await one(c, 'select inet_server_port() as v')).toBe(result.promotedPort);
    expect(await one(c, 'select pg_is_in_recovery() as v')).toBe(false);
    await c.query(`insert into ${table} (note) values ('after the failover')`);
    const notes = (await c.query<{ note: string }>(`select note from ${table} order by id`)).rows.map(
      (r) => r.note,
    );
    expect(notes.filter((n) => n !== 'first')).toEqual(['before the kill', 'after the failover']);

    // The script waited for the old primary to come back as the synchronous standby.
    expect(await one(c, "select count(*)::int as v from pg_stat_replication where sync_state = 'sync'")).toBe(
      1,
    );
  }, 360_000);
});
