import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Platform } from '../core/platform.js';
import { upsertArea, upsertChannels } from '../core/catalog/catalog.js';
import { DEFAULT_CHANNELS, type AreaDefinition } from '../core/catalog/definition.js';
import { demoArea } from '../core/catalog/demo.js';
import { createApiKey } from '../core/auth/api-keys.js';
import { issueCredential, partnerChannelId, upsertPartner } from '../core/channels/partners.js';
import { systemActor } from '../core/orders/model.js';

/** What `scenic demo` seeds and prints: enough to follow every section of the README. */
export interface DemoSeed {
  area: AreaDefinition;
  adminKey: string;
  partner: { id: string; channelId: string; keyId: string; secret: string };
}

/** The demo's OTA partner: sells on its own channel `ota:demo-ota`, 10 % commission. */
export const DEMO_PARTNER = { id: 'demo-ota', name: 'Demo OTA', commissionBps: 1000 } as const;

/**
 * Seeds the demo: the default channels, the demo scenic area, an admin key and a partner
 * with a signing key. The keys are kept in the state directory (mode 0600) and shown at
 * every start — it is a local demo — and issued again when the database no longer has them.
 */
export async function seedDemo(p: Platform, state: string): Promise<DemoSeed> {
  await upsertChannels(p.db, DEFAULT_CHANNELS);
  const area = demoArea();
  await upsertArea(p.db, area);
  mkdirSync(state, { recursive: true });
  const adminKey = await keptAdminKey(p, join(state, 'demo-admin-key'));
  const actor = systemActor('demo');
  await upsertPartner(p.db, actor, {
    ...DEMO_PARTNER,
    discountBps: 0,
    sellsFrom: null,
    sellsUntil: null,
    settlementTimezone: area.timezone,
  });
  p.catalog.invalidate();
  const keyFile = join(state, 'demo-partner-key');
  const [keyId = '', secret = ''] = existsSync(keyFile)
    ? readFileSync(keyFile, 'utf8').trim().split(':')
    : [];
  const live =
    keyId !== '' &&
    (await p
      .db('partner_credentials')
      .where({ key_id: keyId, partner_id: DEMO_PARTNER.id })
      .whereNull('revoked_at')
      .whereNull('expires_at')
      .first<{ key_id: string } | undefined>('key_id')) !== undefined;
  const cred = live
    ? { keyId, secret }
    : await issueCredential(p.db, p.vault, actor, DEMO_PARTNER.id, p.clock.now());
  if (!live) writeFileSync(keyFile, `${cred.keyId}:${cred.secret}`, { mode: 0o600 });
  return {
    area,
    adminKey,
    partner: { id: DEMO_PARTNER.id, channelId: partnerChannelId(DEMO_PARTNER.id), ...cred },
  };
}

async function keptAdminKey(p: Platform, keyFile: string): Promise<string> {
  const kept = existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : '';
  if (
    kept &&
    (await p
      .db('api_keys')
      .where({ id: kept.split('_')[1] ?? '' })
      .first())
  )
    return kept;
  const key = (await createApiKey(p.db, { name: 'demo admin', role: 'admin' })).key;
  writeFileSync(keyFile, key, { mode: 0o600 });
  return key;
}
