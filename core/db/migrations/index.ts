import type { Knex } from 'knex';
import * as m0001 from './0001-catalog.js';
import * as m0002 from './0002-orders.js';
import * as m0003 from './0003-checkin.js';
import * as m0004 from './0004-channels.js';
import * as m0005 from './0005-reports.js';
import * as m0006 from './0006-capacity-release.js';
import * as m0007 from './0007-reentry.js';
import * as m0008 from './0008-refund-payment.js';
import * as m0009 from './0009-outbox-retries.js';
import * as m0011 from './0011-provider-payments.js';
import * as m0012 from './0012-refund-channels.js';
import * as m0013 from './0013-reconciliation.js';
import * as m0015 from './0015-key-scope.js';
import * as m0016 from './0016-staff-accounts.js';
import * as m0017 from './0017-audit-changes.js';
import * as m0020 from './0020-per-area-ids.js';
import * as m0021 from './0021-area-declarations.js';
import * as m0028 from './0028-waitlist-public-ids.js';
import * as m0030 from './0030-idempotency-no-tokens.js';
import * as m0033 from './0033-abnormal-refunds.js';
import * as m0038 from './0038-key-lifecycle.js';
import * as m0041 from './0041-product-eligibility.js';
import * as m0043 from './0043-hot-path-indexes.js';
import * as m0046 from './0046-zones.js';
import * as m0047 from './0047-zone-counters.js';
import * as m0048 from './0048-zone-messages.js';
import * as m0077 from './0077-combo-components.js';
import * as m0078 from './0078-combo-scan-points.js';
import * as m0066 from './0066-zone-message-retries.js';
import * as m0064 from './0064-dynamic-pricing.js';
import * as m0065 from './0065-crowd-forecasts.js';
import * as m0058 from './0058-joint-products.js';
import * as m0059 from './0059-order-parties.js';
import * as m0052 from './0052-product-policies.js';
import * as m0079 from './0079-area-closures.js';
import * as m0068 from './0068-passes.js';
import * as m0070 from './0070-members.js';
import * as m0072 from './0072-open-alerts.js';
import * as m0073 from './0073-counter-zones.js';
import * as m0080 from './0080-campaigns.js';
import * as m0084 from './0084-second-spend.js';
import * as m0085 from './0085-joint-member-price.js';
import * as m0087 from './0087-group-tickets.js';
import * as m0088 from './0088-statement-guard.js';
import * as m0089 from './0089-refund-sender-lease.js';

export interface Migration {
  readonly name: string;
  up(db: Knex): Promise<void>;
  down(db: Knex): Promise<void>;
}

/** Every migration, in order. Append only; never edit one that has shipped. */
export const migrations: readonly Migration[] = [
  m0001,
  m0002,
  m0003,
  m0004,
  m0005,
  m0006,
  m0007,
  m0008,
  m0009,
  m0011,
  m0012,
  m0013,
  m0015,
  m0016,
  m0017,
  m0020,
  m0021,
  m0028,
  m0030,
  m0033,
  m0038,
  m0041,
  m0043,
  m0046,
  m0047,
  m0048,
  m0066,
  m0064,
  m0065,
  m0058,
  m0059,
  m0052,
  m0077,
  m0078,
  m0079,
  m0068,
  m0070,
  m0072,
  m0073,
  m0080,
  m0084,
  m0085,
  m0087,
  m0088,
  m0089,
];
