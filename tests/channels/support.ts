import { PartnerClient } from '../../clients/partner-client.js';
import { issueCredential, upsertPartner, type PartnerInput } from '../../core/channels/partners.js';
import { systemActor } from '../../core/orders/model.js';
import { addDays, localParts } from '../../core/time.js';
import type { TestPlatform } from '../support/platform.js';

export const day = (n: number) => addDays(localParts(new Date(), 'Asia/Shanghai').date, n);
export type Body = Record<string, unknown>;

/** A partner with its channel and a signing key, and a client for it. */
export async function partner(api: TestPlatform, over: Partial<PartnerInput> & { id: string }) {
  const admin = systemActor('test');
  const p = await upsertPartner(api.platform.db, admin, {
    name: over.id,
    commissionBps: 0,
    discountBps: 0,
    sellsFrom: null,
    sellsUntil: null,
    settlementTimezone: 'Asia/Shanghai',
    ...over,
  });
  api.platform.catalog.invalidate();
  const cred = await issueCredential(
    api.platform.db,
    api.platform.vault,
    admin,
    p.id,
    api.platform.clock.now(),
  );
  const client = new PartnerClient({ baseUrl: api.url, keyId: cred.keyId, secret: cred.secret });
  return { partner: p, cred, client };
}

/** Row counts of the tables a partner request could write. */
export async function bookCounts(api: TestPlatform) {
  const out: Record<string, number> = {};
  for (const t of ['orders', 'tickets', 'payments', 'refunds', 'idempotency_keys', 'audit_log', 'outbox']) {
    const [r] = await api.platform.db(t).count<{ n: string | number }[]>({ n: '*' });
    out[t] = Number(r!.n);
  }
  return out;
}
