import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { usePostgres } from '../support/postgres.js';
import { authenticateGate } from '../../core/checkin/devices.js';
import { systemClock } from '../../core/clock.js';
import { seedArea } from './fixtures.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('scenic gate register / revoke', () => {
  const pg = usePostgres();

  it('prints a credential once, stores only its hash, and revokes it', async () => {
    await seedArea(pg.db);
    const env = { ...process.env, DATABASE_URL: pg.url, DATABASE_SCHEMA: pg.schema };
    const { stdout } = await run(
      process.execPath,
      [
        'bin/scenic.mjs',
        'gate',
        'register',
        '--id',
        'east-9',
        '--area',
        'west-lake',
        '--entrance',
        'east',
        '--kind',
        'handheld',
      ],
      { cwd: ROOT, env },
    );
    const credential = stdout.trim();
    expect(credential).toMatch(/^sgd1\.east-9\.[A-Za-z0-9_-]{43}$/);
    expect(await authenticateGate(pg.db, credential, systemClock)).toEqual({
      id: 'east-9',
      areaId: 'west-lake',
      entranceId: 'east',
      kind: 'handheld',
    });
    const row = await pg.db('gate_devices').where({ id: 'east-9' }).first<{ credential_hash: string }>();
    expect(row.credential_hash).not.toContain(credential.split('.')[2]);
    await run(process.execPath, ['bin/scenic.mjs', 'gate', 'revoke', '--id', 'east-9'], { cwd: ROOT, env });
    await expect(authenticateGate(pg.db, credential, systemClock)).rejects.toMatchObject({
      code: 'gate_revoked',
    });
    await expect(
      run(process.execPath, ['bin/scenic.mjs', 'gate', 'register', '--id', 'x'], { cwd: ROOT, env }),
    ).rejects.toMatchObject({ code: 2 });
  });

  it('refuses to start the agent with a bad configuration and names the variable', async () => {
    const env = {
      ...process.env,
      SCENIC_GATE_API_URL: 'nope',
      SCENIC_GATE_CREDENTIAL: 'x',
      SCENIC_GATE_JOURNAL: '/tmp/x.db',
    };
    const err = (await run(process.execPath, ['bin/scenic.mjs', 'gate'], { cwd: ROOT, env }).catch(
      (e: unknown) => e,
    )) as { code: number; stderr: string };
    expect(err.code).toBe(1);
    expect(err.stderr).toContain('SCENIC_GATE_API_URL');
    expect(err.stderr).toContain('SCENIC_GATE_CREDENTIAL');
  });
});
