import { describe, expect, it } from 'vitest';
import { generateSigningKey, importPublicKey, signTicket, verifyTicket, TOKEN_PREFIX } from './token.js';

const key = generateSigningKey('k2026a');
const keys = new Map([[key.kid, importPublicKey(key.publicRaw)]]);
const claims = {
  ticketId: '0191f3a2-7c4e-7d10-9a6b-3c2d1e0f4a5b',
  areaId: 'west-lake',
  date: '2026-07-15',
  slotStartMin: 9 * 60,
  slotEndMin: 10 * 60,
  productId: 'adult',
  entriesAllowed: 1,
};

describe('ticket token', () => {
  it('round-trips the claims and stays small enough for a fast QR', () => {
    const t = signTicket(key, claims);
    expect(t.startsWith(TOKEN_PREFIX)).toBe(true);
    expect(t.length).toBeLessThan(200);
    expect(verifyTicket(t, keys)).toEqual({
      ok: true,
      claims: { ...claims, validUntil: null, kid: 'k2026a' },
    });
  });

  it('17.12 an open-dated token carries its last day, signed', () => {
    const t = signTicket(key, { ...claims, date: null, validUntil: '2026-07-17' });
    const r = verifyTicket(t, keys);
    expect(r.ok && r.claims).toMatchObject({ date: null, validUntil: '2026-07-17' });
    // the expiry is under the signature: moving it breaks the token
    const raw = Buffer.from(t.slice(TOKEN_PREFIX.length), 'base64url');
    const at = raw.indexOf(Buffer.from([0x01, 0x35, 0x27, 0x6d])); // 20260717 big-endian
    expect(at).toBeGreaterThan(0);
    raw[at + 3] = 0x6f; // 20260719
    expect(verifyTicket(TOKEN_PREFIX + raw.toString('base64url'), keys)).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('carries open-dated tickets as date null', () => {
    const r = verifyTicket(signTicket(key, { ...claims, date: null }), keys);
    expect(r.ok && r.claims.date).toBeNull();
  });

  it.each([
    ['empty', '', 'malformed'],
    ['no prefix', 'hello', 'malformed'],
    ['truncated', (t: string) => t.slice(0, 40), 'malformed'],
    ['one byte cut', (t: string) => t.slice(0, -1), 'bad_signature'],
    ['garbage base64', `${TOKEN_PREFIX}!!!!****`, 'malformed'],
    ['huge', `${TOKEN_PREFIX}${'A'.repeat(5000)}`, 'malformed'],
  ] as const)('refuses a %s token as %s', (_n, mutate, reason) => {
    const good = signTicket(key, claims);
    const t = typeof mutate === 'function' ? mutate(good) : mutate;
    const r = verifyTicket(t, keys);
    expect(r.ok).toBe(false);
    if (!r.ok && reason !== 'bad_signature') expect(r.reason).toBe(reason);
  });

  it('refuses a forged field (product changed) as bad_signature', () => {
    const good = signTicket(key, claims);
    const raw = Buffer.from(good.slice(TOKEN_PREFIX.length), 'base64url');
    const i = raw.indexOf(Buffer.from('adult'));
    raw.write('child', i);
    expect(verifyTicket(TOKEN_PREFIX + raw.toString('base64url'), keys)).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('refuses a token signed by a key the gate does not know', () => {
    const other = generateSigningKey('rogue');
    expect(verifyTicket(signTicket(other, claims), keys)).toEqual({ ok: false, reason: 'unknown_key' });
  });
});
