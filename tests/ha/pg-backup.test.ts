import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { ensureUp, lastJson, parseEnv, recordFigure, runScript } from '../support/ha.js';
import { uniqueSuffix } from '../support/services.js';

interface BackupResult {
  type: 'full' | 'incr';
  label: string;
  seconds: number;
}

interface DrillResult {
  target: string;
  backupSet: string;
  stop: string;
  walFilesReplayed: number;
  restoreSeconds: number;
  recoverySeconds: number;
  rtoSeconds: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('pgBackRest backups and the point-in-time restore drill (scripts/pg-backup.sh)', () => {
  let source: pg.Client;
  const table = `drill_${uniqueSuffix()}`;

  /** Inserts rows FROM..TO (ids) in one committed transaction. */
  const insert = (from: number, to: number) =>
    source.query(`insert into ${table} (id) select generate_series(${from}, ${to})`);
  /** The source's clock right now, between two commits: the restore target. */
  const markTarget = async (): Promise<string> => {
    await sleep(200);
    const t = (await source.query<{ t: string }>('select clock_timestamp()::text as t')).rows[0]!.t;
    await sleep(200);
    return t;
  };
  /** Runs the drill to TARGET and returns its report with the restored table's ids. */
  const drill = async (
    target: string,
  ): Promise<DrillResult & { count: number; max: number; writable: boolean }> => {
    // WAL past the target must be in the repository for recovery to see where to stop.
    await runScript('pg-backup', ['archive']);
    const result = lastJson<DrillResult>(
      (await runScript('pg-backup', ['drill', '--target', target])).stdout,
    );
    const restored = new pg.Client({
      connectionString: parseEnv((await runScript('pg-backup', ['env'])).stdout).PG_DRILL_URL,
    });
    await restored.connect();
    try {
      const row = (
        await restored.query<{ count: number; max: number; rec: boolean }>(
          `select count(*)::int as count, max(id)::int as max, pg_is_in_recovery() as rec from ${table}`,
        )
      ).rows[0]!;
      return { ...result, count: row.count, max: row.max, writable: !row.rec };
    } finally {
      await restored.end();
    }
  };

  beforeAll(async () => {
    const env = await ensureUp('pg-backup');
    source = new pg.Client({ connectionString: env.PG_BACKUP_URL });
    await source.connect();
    await source.query(`create table ${table} (id int primary key)`);
  }, 300_000);

  afterAll(async () => {
    await runScript('pg-backup', ['drill-down']).catch(() => undefined);
    await source?.query(`drop table if exists ${table}`);
    await source?.end();
  });

  it('restores a full backup plus WAL to a timestamp: exactly the rows committed before it', async () => {
    await insert(1, 100);
    const full = lastJson<BackupResult>((await runScript('pg-backup', ['full'])).stdout);
    recordFigure('pg-backup full backup', full.seconds);
    await insert(101, 150);
    const target = await markTarget();
    await insert(151, 200);

    const restored = await drill(target);
    recordFigure('pg-backup drill RTO (restore + recovery + promote)', restored.rtoSeconds);
    expect(restored.backupSet).toBe(full.label);
    expect(restored.walFilesReplayed).toBeGreaterThan(0);
    expect(restored.stop).toMatch(/^recovery stopping before commit/);
    expect(restored).toMatchObject({ count: 150, max: 150, writable: true });
  });

  it('restores an incremental backup to a later timestamp', async () => {
    const incr = lastJson<BackupResult>((await runScript('pg-backup', ['incr'])).stdout);
    recordFigure('pg-backup incremental backup', incr.seconds);
    expect(incr.type).toBe('incr');
    await insert(201, 260);
    const target = await markTarget();
    await insert(261, 300);

    const restored = await drill(target);
    expect(restored.backupSet).toBe(incr.label);
    expect(restored.backupSet).toMatch(/I$/);
    expect(restored).toMatchObject({ count: 260, max: 260, writable: true });
  });

  it('archives a change within archive_timeout: the RPO bound', async () => {
    const rpo = lastJson<{ archiveTimeout: number; secondsToArchive: number }>(
      (await runScript('pg-backup', ['rpo'])).stdout,
    );
    recordFigure('pg-backup RPO (commit → WAL in the repository)', rpo.secondsToArchive);
    expect(rpo.secondsToArchive).toBeLessThanOrEqual(rpo.archiveTimeout + 5);
  });
});
