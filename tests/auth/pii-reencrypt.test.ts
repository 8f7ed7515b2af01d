import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PiiVault } from '../../core/pii/crypto.js';
import { readPiiKeys } from '../../core/pii/keys.js';
import { SEALED_COLUMNS, reencryptPii } from '../../core/pii/reencrypt.js';
import { usePostgres } from '../support/postgres.js';
import { runScenic } from '../support/processes.js';
import { issueOrder, seedArea } from '../gate/fixtures.js';

/**
 * #17.16: the PII key had no key id, so it could not be rotated. Now every ciphertext names
 * its key, and `scenic keys reencrypt` moves old values (id-less ones too) to the current key
 * in bounded batches, idempotent and resumable.
 */
const LOOKUP = 'pii-reencrypt-test-lookup';
const LEGACY = randomBytes(32).toString('base64');
const NEXT = randomBytes(32).toString('base64');
const ROTATED = { SCENIC_PII_KEY: LEGACY, SCENIC_PII_KEYS: `n1:${NEXT}`, SCENIC_PII_KEY_ID: 'n1' };

function sealV1(plain: string): string {
  const nonce = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', Buffer.from(LEGACY, 'base64'), nonce);
  const body = Buffer.concat([c.update(plain, 'utf8'), c.final(), c.getAuthTag()]);
  return `v1.${nonce.toString('base64url')}.${body.toString('base64url')}`;
}

describe('17.16 PII re-encryption after a PII key rotation', () => {
  const pg = usePostgres();
  const cli = (args: string[]) =>
    runScenic(['keys', ...args], {
      DATABASE_URL: pg.url,
      DATABASE_SCHEMA: pg.schema,
      SCENIC_LOOKUP_KEY: LOOKUP,
      ...ROTATED,
    });

  it('17.16 every sealed column is known to the re-encryption', async () => {
    const { rows } = await pg.db.raw<{ rows: { table_name: string; column_name: string }[] }>(
      `select table_name, column_name from information_schema.columns where table_schema = ? and column_name like '%\\_enc'`,
      [pg.schema],
    );
    const known = SEALED_COLUMNS.flatMap((t) => t.columns.map((c) => `${t.table}.${c}`)).sort();
    expect(rows.map((r) => `${r.table_name}.${r.column_name}`).sort()).toEqual(known);
  });

  it('17.16 keys reencrypt seals old and id-less values with the new key, in batches, resumable', async () => {
    const fx = await seedArea(pg.db);
    const legacy = new PiiVault(LEGACY, LOOKUP);
    // the signing key sealed with the legacy key, as on an install before the rotation
    const sk = await pg.db('signing_keys').first();
    await pg
      .db('signing_keys')
      .update({ private_key_enc: legacy.encrypt(fx.vault.decrypt(sk!.private_key_enc)) });
    const tickets = await issueOrder(pg.db, { ...fx, vault: legacy }, { count: 5 });
    // one value from before key ids
    await pg
      .db('tickets')
      .where({ id: tickets[0]!.ticketId })
      .update({ id_number_enc: sealV1(tickets[0]!.idNumber) });

    const rotated = new PiiVault(readPiiKeys(ROTATED), LOOKUP);
    // an interrupted run: it stops after its first batch of two…
    await expect(
      reencryptPii(pg.db, rotated, {
        batch: 2,
        tables: ['tickets'],
        onBatch: () => {
          throw new Error('interrupted');
        },
      }),
    ).rejects.toThrow('interrupted');
    const moved = await pg
      .db('tickets')
      .where('id_number_enc', 'like', 'v2.n1.%')
      .count<{ n: string }[]>('* as n');
    expect(Number(moved[0]!.n)).toBe(2);

    // …and the command does the rest (left over rows only), then finds nothing to do
    await expect(cli(['reencrypt', '--check'])).rejects.toMatchObject({ code: 1 });
    const first = (await cli(['reencrypt', '--batch', '2'])).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { table: string; rewritten: number; skipped: number });
    expect(first.find((r) => r.table === 'tickets')).toEqual({ table: 'tickets', rewritten: 3, skipped: 0 });
    expect(first.find((r) => r.table === 'signing_keys')).toMatchObject({ rewritten: 1 });
    await cli(['reencrypt', '--check']);
    const again = (await cli(['reencrypt'])).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { rewritten: number });
    expect(again.every((r) => r.rewritten === 0)).toBe(true);

    // every value now names the new key and reads back; the old key is no longer needed
    const onlyNew = new PiiVault(
      readPiiKeys({ SCENIC_PII_KEYS: `n1:${NEXT}`, SCENIC_PII_KEY_ID: 'n1' }),
      LOOKUP,
    );
    const rows = await pg.db('tickets').whereIn(
      'id',
      tickets.map((t) => t.ticketId),
    );
    for (const t of tickets) {
      const r = rows.find((x) => x.id === t.ticketId)!;
      expect(PiiVault.keyIdOf(r.id_number_enc)).toBe('n1');
      expect(onlyNew.decrypt(r.id_number_enc)).toBe(t.idNumber);
      expect(onlyNew.decrypt(r.visitor_name_enc)).toBe('张三');
    }
    const key = await pg.db('signing_keys').first();
    expect(onlyNew.decrypt(key!.private_key_enc)).toBe(fx.vault.decrypt(sk!.private_key_enc));
  }, 60_000);
});
