import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.js';
import { PiiVault } from '../../core/pii/crypto.js';
import { loadKeyRing } from '../../core/tickets/keys.js';
import { verifyTicket, importPublicKey } from '../../core/tickets/token.js';
import { addDays } from '../../core/time.js';
import { usePostgres } from '../support/postgres.js';
import { runScenic } from '../support/processes.js';
import { issueOrder, registerGate, seedArea, startGateApi, today } from '../gate/fixtures.js';

/**
 * #17.16: ticket-signing keys had no lifecycle — every key ever made verified forever, and
 * nothing rotated, retired or revoked one. `scenic keys rotate|retire|revoke`, seen the way a
 * gate sees them: `GET /gate/v1/keys`.
 */
const PII_KEY = randomBytes(32).toString('base64');
const LOOKUP = 'signing-keys-test-lookup';

describe('17.16 ticket-signing key lifecycle (scenic keys)', () => {
  const pg = usePostgres();
  let api: Awaited<ReturnType<typeof startGateApi>> | undefined;
  afterAll(async () => api?.close());

  const keys = (args: string[]) =>
    runScenic(['keys', ...args], {
      DATABASE_URL: pg.url,
      DATABASE_SCHEMA: pg.schema,
      SCENIC_PII_KEY: PII_KEY,
      SCENIC_LOOKUP_KEY: LOOKUP,
    }).then((r) => JSON.parse(r.stdout) as Record<string, unknown>);

  it('17.16 rotate, retire (after validity or --now) and revoke reach the gate', async () => {
    const fx = await seedArea(pg.db);
    const first = fx.ring.signer.kid;
    const visit = addDays(today(), 3);
    const [ticket] = await issueOrder(pg.db, fx, { date: visit });
    api = await startGateApi(pg.db, fx.vault);
    const { credential } = await registerGate(pg.db, fx, 'keys-east-1', 'east');
    const gateKeys = async () => {
      const res = await fetch(`${api!.url}/keys`, { headers: { authorization: `Bearer ${credential}` } });
      expect(res.status).toBe(200);
      return (await res.json()) as { keys: { kid: string; publicKey: string }[]; revoked: string[] };
    };
    const verifiesAtGate = async (code: string) => {
      const k = await gateKeys();
      return verifyTicket(code, new Map(k.keys.map((x) => [x.kid, importPublicKey(x.publicKey)])));
    };

    // rotate: a new key signs, the old one keeps verifying its tickets
    const { signing } = (await keys(['rotate'])) as { signing: string };
    expect(signing).not.toBe(first);
    const ring = await loadKeyRing(pg.db, new PiiVault(PII_KEY, LOOKUP), systemClock);
    expect(ring.signer.kid).toBe(signing);
    expect((await gateKeys()).keys.map((k) => k.kid)).toEqual([first, signing]);
    expect(await verifiesAtGate(ticket!.code)).toMatchObject({ ok: true });

    // the signing key cannot be retired; rotate first
    await expect(keys(['retire', '--kid', signing])).rejects.toMatchObject({ code: 1 });

    // retire: verifies until its tickets' validity has passed (the day after the visit, + a day of zones)
    const retired = await keys(['retire', '--kid', first]);
    expect(retired.verifyUntil).toBe(`${addDays(visit, 2)}T00:00:00.000Z`);
    expect(await verifiesAtGate(ticket!.code)).toMatchObject({ ok: true });

    // retire --now: stops verifying at once, at the gate too
    await keys(['retire', '--kid', first, '--now']);
    expect((await gateKeys()).keys.map((k) => k.kid)).toEqual([signing]);
    expect(await verifiesAtGate(ticket!.code)).toEqual({ ok: false, reason: 'unknown_key' });

    // revoke the signing key: stops verifying at once, a new key takes over, gates are told
    const revoked = (await keys(['revoke', '--kid', signing])) as { replacedBy: string };
    expect(revoked.replacedBy).toMatch(/^k\d{8}/);
    const after = await gateKeys();
    expect(after.keys.map((k) => k.kid)).toEqual([revoked.replacedBy]);
    expect(after.revoked).toEqual([signing]);
    const ring2 = await loadKeyRing(pg.db, new PiiVault(PII_KEY, LOOKUP), systemClock);
    expect(ring2.signer.kid).toBe(revoked.replacedBy);
    expect([...ring2.publicKeys.keys()]).toEqual([revoked.replacedBy]);
    await expect(keys(['revoke', '--kid', signing])).rejects.toMatchObject({ code: 1 });
  }, 60_000);
});
