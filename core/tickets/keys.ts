import type { Knex } from 'knex';
import type { KeyObject } from 'node:crypto';
import type { PiiVault } from '../pii/crypto.js';
import type { Clock } from '../clock.js';
import { generateSigningKey, importPrivateKey, importPublicKey, type SigningKey } from './token.js';

/**
 * Ticket-signing keys. The newest unretired key signs; every key that is not deleted
 * verifies, so tickets signed before a rotation keep working until they expire.
 * Private keys are stored encrypted with the PII vault key.
 */
export interface KeyRing {
  signer: SigningKey;
  publicKeys: ReadonlyMap<string, KeyObject>;
  /** kid → raw base64url public key, as gates download them. */
  publicRaw: ReadonlyMap<string, string>;
}

export async function loadKeyRing(db: Knex, vault: PiiVault, clock: Clock): Promise<KeyRing> {
  let rows = await db('signing_keys').orderBy('created_at', 'desc');
  if (!rows.some((r) => !r.retired_at)) {
    await rotateSigningKey(db, vault, clock);
    rows = await db('signing_keys').orderBy('created_at', 'desc');
  }
  const active = rows.find((r) => !r.retired_at)!;
  const publicKeys = new Map(rows.map((r) => [r.kid, importPublicKey(r.public_key)]));
  return {
    signer: {
      kid: active.kid,
      publicKey: publicKeys.get(active.kid)!,
      privateKey: importPrivateKey(active.public_key, vault.decrypt(active.private_key_enc)),
    },
    publicKeys,
    publicRaw: new Map(rows.map((r) => [r.kid, r.public_key])),
  };
}

/** Adds a new signing key and retires the previous one from signing (it still verifies). */
export async function rotateSigningKey(db: Knex, vault: PiiVault, clock: Clock): Promise<string> {
  const now = clock.now();
  const kid = `k${now.toISOString().slice(0, 10).replace(/-/g, '')}${Math.random().toString(36).slice(2, 6)}`;
  const k = generateSigningKey(kid);
  await db.transaction(async (trx) => {
    await trx('signing_keys').whereNull('retired_at').update({ retired_at: now });
    await trx('signing_keys').insert({
      kid,
      public_key: k.publicRaw,
      private_key_enc: vault.encrypt(k.privateRaw),
      created_at: now,
    });
  });
  return kid;
}
