import type { SegmentInput } from '../members/segments.js';
import type { CouponOffer } from '../campaigns/coupons.js';
import type { Knex } from 'knex';
import type { OrderStatus, RefundReason, TicketStatus } from '../orders/model.js';
import type { PriceRule } from '../pricing/rules.js';
import type { CheckinReason } from '../checkin/reasons.js';
import type { DailyReport } from '../reports/daily.js';
import type { WebhookEvent } from '../channels/webhooks.js';
import type { DeclaredFields } from '../catalog/declared.js';
import type { Eligibility } from '../catalog/eligibility.js';
import type { DynamicBounds } from '../pricing/dynamic.js';
import type { ForecastFactor } from '../forecast/model.js';
import type { BacktestResult } from '../forecast/backtest.js';
import type { ProductPolicy } from '../policies/model.js';
import type { GroupTerms, MaskedParty } from '../groups/model.js';
import type { PassTerms } from '../passes/model.js';
import type { KeyDeviceKind, Role, StaffRole } from '../auth/roles.js';
import type { DiversionDeclaration, SignageKind } from '../zones/model.js';
import type { MemberSettings } from '../members/settings.js';

/**
 * Every table's row, declared once, as the driver returns it (core/db/knex.ts: BIGINT as
 * number, DATE as 'YYYY-MM-DD' text, timestamptz as Date, jsonb parsed). The module
 * augmentation at the end types `db('orders')` & co. across the code base; a query with
 * an aliased table (`db('orders as o')`) is not typed by knex and names its result with
 * `select<...>()`. Columns follow core/db/migrations/ — a migration that adds a column
 * adds it here.
 */

// --- 0001-catalog
export interface AreaRow {
  id: string;
  name: string;
  timezone: string;
  daily_capacity: number;
  instant_capacity: number;
  thresholds: { yellow: number; orange: number; red: number };
  id_daily_limit: number;
  created_at: Date;
  updated_at: Date;
  /** 0021: counts changes of what the inventory enforces (core/inventory/lua/init.lua) */
  plan_version: number;
  /** 0079: days the area does not open (core/catalog/closures.ts) */
  closures: { weekdays: number[]; dates: string[] };
}
export interface EntranceRow {
  id: string;
  area_id: string;
  name: string;
}
export interface TimeSlotRow {
  area_id: string;
  id: string;
  starts_at: string;
  ends_at: string;
  capacity: number;
}
export interface ProductRow {
  id: string;
  area_id: string;
  name: string;
  kind: string;
  base_price: number;
  currency: string;
  persons: number;
  entries_allowed: number;
  reentry: boolean;
  date_bound: boolean;
  validity_days: number;
  free_reschedule: boolean;
  release_on_exit: boolean;
  entrances: string[] | null;
  components: { item: string; name: string }[];
  /** who may travel on it (issue 17.11); null: its kind's band */
  eligibility: Eligibility | null;
  active: boolean;
  /** crowd-forecast pricing bounds (issue 22); null: static price */
  dynamic_pricing: DynamicBounds | null;
  /** 0052: refund and reschedule policy (core/policies); null: the default */
  policy: ProductPolicy | null;
  /** 0052: the visiting route the purchase SMS carries */
  visit_route: string | null;
  /** 0052: party sizes and price tiers of a group product (core/groups) */
  group_tiers: GroupTerms | null;
}
export interface ChannelRow {
  id: string;
  name: string;
  kind: 'online' | 'onsite';
  enabled: boolean;
  commission_bps: number;
  discount_bps: number;
  sells_from: string | null;
  sells_until: string | null;
}
export interface ChannelQuotaRow {
  area_id: string;
  channel_id: string;
  quota: number | null;
  share_bps: number | null;
}
/** One row per rule; `kind` decides the shape of `params` (core/pricing/rules.ts). */
export type PriceRuleRow = { id: number; area_id: string; active: boolean } & RuleColumns<PriceRule>;
type RuleColumns<R> = R extends PriceRule
  ? { kind: R['kind']; product_id: string | null; params: R['params'] }
  : never;
export interface CouponRow {
  code: string;
  area_id: string;
  kind: 'percent' | 'amount';
  value: number;
  max_uses: number | null;
  used: number;
  stackable: boolean;
  min_amount: number;
  valid_from: Date | null;
  valid_until: Date | null;
}

// --- 0021-area-declarations
/** Which Kubernetes resource declares an area's fields, and the namespace its id is bound to. */
export interface AreaDeclarationRow {
  area_id: string;
  namespace: string;
  name: string;
  uid: string;
  redis_prefix: string;
  generation: number;
  /** what the operator last wrote (core/catalog/declared.ts); null once the resource is gone */
  fields: DeclaredFields | null;
  claimed_at: Date;
  applied_at: Date | null;
}

// --- 0002-orders (+ later columns)
export interface OrderRow {
  id: string;
  area_id: string;
  visit_date: string;
  slot_id: string;
  channel_id: string;
  status: OrderStatus;
  amount_total: number;
  amount_refunded: number;
  currency: string;
  contact_phone_enc: string | null;
  contact_phone_hash: string | null;
  access_token_hash: string;
  partner_order_id: string | null;
  res_id: string;
  actor: string;
  /** the price breakdown as quoted (core/pricing/price.ts Quote) */
  pricing: unknown;
  expires_at: Date | null;
  paid_at: Date | null;
  created_at: Date;
  updated_at: Date;
  /** 0052: reschedules done (the policy's free count and limit) */
  reschedules: number;
}
export interface OrderLineRow {
  id: number;
  order_id: string;
  /** 0020: the product is (area_id, product_id) */
  area_id: string;
  product_id: string;
  quantity: number;
  units: number;
  unit_price: number;
  amount: number;
}
export interface TicketRow {
  id: string;
  order_id: string;
  order_line_id: number;
  product_id: string;
  area_id: string;
  visit_date: string;
  slot_id: string;
  units: number;
  price: number;
  status: TicketStatus;
  entries_allowed: number;
  entries_used: number;
  visitor_name_enc: string;
  id_type: string;
  id_number_enc: string;
  id_hash: string;
  id_masked: string;
  /** the signed QR token, set when issued */
  code: string | null;
  issued_at: Date | null;
  revoked_at: Date | null;
  /** 0003 */
  card_uid: string | null;
  /** 0006 */
  capacity_released_at: Date | null;
  /** 0007 */
  exits_used: number;
  /** 0052: fees kept from this ticket's value by charged reschedules (a refund pays back less) */
  fee_retained: number;
  /** 0087: a group ticket's party, sealed (core/groups GroupParty as JSON); null: not a group */
  group_enc: string | null;
  /** 0087: the party as the gate and the order view show it, masked (core/groups) */
  group_masked: MaskedParty | null;
}
/** pending: created, not paid; succeeded: money taken; refunded: given back in full; closed: never paid; failed: the payer's attempt failed */
export type PaymentStatus = 'pending' | 'succeeded' | 'failed' | 'refunded' | 'closed';
export interface PaymentRow {
  id: string;
  order_id: string;
  /** wechat, alipay (providers); cash, card (the counter); account (partner); free */
  provider: string;
  /** the provider's own id (WeChat transaction_id, Alipay trade_no) once it names one */
  provider_ref: string | null;
  /** fen: the order's amount from the books, the amount Scenic created the payment for */
  amount: number;
  status: PaymentStatus;
  /** what to show the payer (`action`, `payUrl`), the provider's last word, a refused notice */
  raw: { payUrl?: string; action?: unknown; [k: string]: unknown } | null;
  created_at: Date;
  updated_at: Date;
  /** 0011 */
  currency: string;
  scene: string | null;
  merchant_id: string | null;
  app_id: string | null;
  /** when the provider stops accepting it (the hold's expiry at creation) */
  expires_at: Date | null;
  /** fen the provider says it took (equal to `amount` unless a mismatch was refused) */
  provider_amount: number | null;
  provider_status: string | null;
  /** when the provider took the money */
  paid_at: Date | null;
  closed_at: Date | null;
  query_attempts: number;
  /** when the worker asks the provider next (pending payments only) */
  next_query_at: Date | null;
}
/**
 * pending: booked, not sent (or to be sent again at `next_attempt_at`); processing: the
 * provider accepted it, polled until final; succeeded; failed: refused for good or out
 * of attempts — alerted, retried by an admin, never silently final; awaiting_counter: a
 * cashier hands the money back at the counter (cash and card, and a WeChat refund that
 * ended ABNORMAL and was sent to the merchant's bank account instead, migration 0033).
 */
export type RefundStatus = 'pending' | 'processing' | 'succeeded' | 'failed' | 'awaiting_counter';
/** How the money goes back: the provider's refund API, the counter, the partner's statement, or nothing (free). */
export type RefundMethod = 'provider' | 'counter' | 'partner' | 'none';
// --- 0052-product-policies
/** A fee a policy kept: on a refund (not paid back) or a charged reschedule (kept from the ticket's value). */
export interface PolicyFeeRow {
  id: string;
  order_id: string;
  area_id: string;
  kind: 'refund' | 'reschedule';
  amount: number;
  ticket_ids: string[];
  refund_id: string | null;
  actor: string;
  created_at: Date;
}
export interface RefundRow {
  id: string;
  order_id: string;
  ticket_ids: string[];
  amount: number;
  /** a visitor's reason, or the system's (duplicate_payment, stock_unavailable, payment_mismatch) */
  reason_code: RefundReason | 'duplicate_payment' | 'stock_unavailable' | 'payment_mismatch';
  reason_text: string | null;
  status: RefundStatus;
  actor: string;
  created_at: Date;
  updated_at: Date;
  /** 0008: the payment a whole-payment refund gives back */
  payment_id: string | null;
  /** 0012 */
  method: RefundMethod;
  provider: string | null;
  attempts: number;
  next_attempt_at: Date | null;
  last_error: string | null;
  provider_refund_ref: string | null;
  settled_at: Date | null;
  settled_by: string | null;
  settlement_ref: string | null;
  /** 0033: when WeChat said ABNORMAL (the payer's account refused the money) */
  abnormal_at: Date | null;
  /** 0033: where we told WeChat to send an ABNORMAL refund's money instead */
  abnormal_route: 'merchant_bank_card' | null;
  /** 0033: when the provider finished its part of an abnormal refund (the money is back with the merchant) */
  provider_settled_at: Date | null;
  /** 0089: a sender is asking the provider about it until then (a lease; null when none is) */
  sending_until: Date | null;
}
export interface OutboxRow {
  id: number;
  topic: string;
  aggregate_id: string;
  payload: Record<string, unknown>;
  created_at: Date;
  published_at: Date | null;
  /** 0009 */
  attempts: number;
  next_attempt_at: Date | null;
  last_error: string | null;
  failed_at: Date | null;
}
export interface AuditRow {
  id: number;
  at: Date;
  actor: string;
  action: string;
  subject: string;
  data: Record<string, unknown>;
  /** 0017 */
  area_id: string | null;
  before: unknown;
  after: unknown;
}
export interface IdempotencyKeyRow {
  scope: string;
  key: string;
  request_hash: string;
  state: 'running' | 'done';
  status_code: number | null;
  response: unknown;
  created_at: Date;
  locked_until: Date | null;
}
export interface ApiKeyRow {
  id: string;
  name: string;
  role: Role | 'partner';
  secret_hash: string;
  channel_id: string | null;
  created_at: Date;
  revoked_at: Date | null;
  /** 0015: the areas it acts for (`['*']`: every area) */
  areas: string[];
  device_kind: KeyDeviceKind | null;
  expires_at: Date | null;
  created_by: string | null;
  replaced_by: string | null;
}
export interface SigningKeyRow {
  kid: string;
  public_key: string;
  private_key_enc: string;
  created_at: Date;
  retired_at: Date | null;
  /** 0038: verifies until then (set when retired); null = while not retired */
  verify_until: Date | null;
  /** 0038: stops verifying at once */
  revoked_at: Date | null;
}
export interface WaitlistRow {
  id: number;
  area_id: string;
  visit_date: string;
  slot_id: string;
  channel_id: string;
  units: number;
  contact_phone_enc: string;
  contact_phone_hash: string;
  state: 'waiting' | 'claimable' | 'claimed' | 'lapsed' | 'cancelled';
  claim_until: Date | null;
  created_at: Date;
  /** 0028: what clients see and claim with (the numeric id stays internal) */
  public_id: string;
  device_hash: string | null;
  address_hash: string | null;
}

// --- 0003-checkin
export interface CheckinSettingsRow {
  area_id: string;
  grace_before_min: number;
  grace_after_min: number;
}
export interface GateDeviceRow {
  id: string;
  area_id: string;
  entrance_id: string;
  kind: 'turnstile' | 'handheld';
  credential_hash: string;
  created_at: Date;
  revoked_at: Date | null;
  last_seen_at: Date | null;
  last_sync_at: Date | null;
  last_seq: number;
  journal_backlog: number;
  offline_since: Date | null;
  health: Record<string, unknown>;
}
export interface CheckinScanRow {
  scan_id: string;
  gate_id: string;
  area_id: string;
  entrance_id: string;
  seq: number | null;
  local_date: string;
  scanned_at: Date;
  received_at: Date;
  media: 'qr' | 'id' | 'nfc' | 'face' | 'sensor' | 'none';
  direction: 'in' | 'out';
  ticket_id: string | null;
  decision: 'admit' | 'deny';
  reason: CheckinReason;
  mode: 'online' | 'offline';
  source: 'precheck' | 'journal';
  counted: boolean;
  over_limit: boolean;
  /** 0087: persons a group ticket's scan admitted; null: the ticket's own units (not a group) */
  persons: number | null;
  /** 0087: of those, persons within the party size (core/groups/entries.ts) */
  persons_counted: number | null;
}
export interface CheckinFlagRow {
  id: number;
  ticket_id: string;
  kind: 'double_entry' | 'used_after_refund';
  area_id: string;
  entries_allowed: number;
  entries_seen: number;
  scan_ids: string[];
  gate_ids: string[];
  status: 'open' | 'cleared' | 'resolved';
  created_at: Date;
  updated_at: Date;
  resolved_by: string | null;
}
export interface AreaPresenceRow {
  area_id: string;
  day: string;
  entries: number;
  exits: number;
}
export interface EntranceFlowRow {
  area_id: string;
  entrance_id: string;
  minute: Date;
  entries: number;
  exits: number;
}
export interface TicketChangeRow {
  seq: number;
  ticket_id: string;
  area_id: string;
  visit_date: string;
  at: Date;
}

// --- 0004-channels
export interface PartnerRow {
  id: string;
  name: string;
  channel_id: string;
  status: 'active' | 'suspended';
  settlement_timezone: string;
  created_at: Date;
  /** 0070: the partner may sell at member prices to orders naming a member (issue 22) */
  sells_to_members: boolean;
}
export interface PartnerCredentialRow {
  key_id: string;
  partner_id: string;
  secret_enc: string;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  /** 0038: the secret this key's partner webhooks are signed with (null on keys issued before) */
  webhook_secret_enc: string | null;
}
export interface WebhookSubscriptionRow {
  id: number;
  partner_id: string;
  url: string;
  events: string[];
  enabled: boolean;
  created_at: Date;
}
export interface WebhookDeliveryRow {
  id: string;
  subscription_id: number;
  partner_id: string;
  event_id: string;
  event_type: string;
  order_id: string | null;
  /** the exact event sent */
  payload: WebhookEvent;
  status: 'pending' | 'delivered' | 'dead';
  attempts: number;
  replays: number;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Date;
  updated_at: Date;
  delivered_at: Date | null;
  next_attempt_at: Date | null;
  locked_until: Date | null;
}
export interface OrderTermsRow {
  order_id: string;
  channel_id: string;
  commission_bps: number;
}
export interface EmergencySessionRow {
  id: string;
  area_id: string;
  visit_date: string;
  opened_by: string;
  reason: string;
  max_units: number;
  used_units: number;
  opened_at: Date;
  closed_at: Date | null;
  closed_by: string | null;
}
export interface EmergencySaleRow {
  order_id: string;
  session_id: string;
  sold_by: string;
  units: number;
  stock_unreachable: boolean;
  at: Date;
}

// --- 0005-reports
export interface DailyReportRow {
  area_id: string;
  day: string;
  version: number;
  report: DailyReport;
  generated_at: Date;
}

// --- 0013-reconciliation
export interface ReconciliationRunRow {
  provider: string;
  day: string;
  status: 'done' | 'failed';
  totals: Record<string, { count: number; amount: number }>;
  statement_totals: Record<string, number> | null;
  lines: number;
  error: string | null;
  ran_at: Date;
}
export interface ReconciliationItemRow {
  id: number;
  provider: string;
  day: string;
  class: string;
  kind: 'payment' | 'refund' | 'fee';
  severity: 'critical' | 'warning' | 'info';
  out_trade_no: string;
  out_refund_no: string | null;
  provider_ref: string | null;
  provider_amount: number | null;
  books_amount: number | null;
  order_id: string | null;
  payment_id: string | null;
  refund_id: string | null;
}
export interface ReconciliationDecisionRow {
  provider: string;
  out_trade_no: string;
  decision: 'refund' | 'issue';
  note: string | null;
  reference: string | null;
  decided_by: string;
  decided_at: Date;
}

// --- 0016-staff-accounts
export interface StaffAccountRow {
  id: string;
  username: string;
  email: string | null;
  display_name: string;
  role: StaffRole;
  areas: string[];
  channel_id: string | null;
  status: 'pending' | 'active' | 'disabled';
  password_hash: string | null;
  password_changed_at: Date | null;
  totp_secret_enc: string | null;
  totp_pending_enc: string | null;
  totp_enabled_at: Date | null;
  totp_last_step: number | null;
  failed_sign_ins: number;
  locked_until: Date | null;
  enrolment_hash: string | null;
  enrolment_expires_at: Date | null;
  last_sign_in_at: Date | null;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}
export interface StaffSessionRow {
  id: string;
  account_id: string;
  secret_hash: string;
  second_factor: boolean;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  revoked_reason: 'sign-out' | 'revoked' | 'idle' | 'disabled' | 'password' | 'reset' | null;
  address: string | null;
  user_agent: string | null;
}

// ── zones inside a park (0046–0048, issue 21) ──
export interface ZoneRow {
  area_id: string;
  id: string;
  name_zh: string;
  name_en: string;
  capacity: number;
  entrances: string[];
  counters: string[];
  position: number;
}
export interface ZoneSettingsRow {
  area_id: string;
  diversions: DiversionDeclaration['pairs'];
  signage: DiversionDeclaration['signage'];
  divert_at: DiversionDeclaration['divertAt'];
  hysteresis_pct: number;
  min_hold_seconds: number;
}
export interface ZoneStateRow {
  area_id: string;
  zone_id: string;
  diverting: boolean;
  target_zone_id: string | null;
  since: Date | null;
  evaluated_at: Date;
}
export interface CounterDeviceRow {
  id: string;
  area_id: string;
  secret_enc: string;
  created_at: Date;
  revoked_at: Date | null;
  last_seen_at: Date | null;
  /** the zone it was registered for (0073); null before */
  zone_id: string | null;
}
/** An alert instance Alertmanager notified (0072): fingerprint + startsAt. */
export interface OpenAlertRow {
  fingerprint: string;
  starts_at: Date;
  name: string;
  severity: string;
  area_id: string | null;
  summary: string;
  summary_zh: string | null;
  status: 'firing' | 'resolved';
  ends_at: Date | null;
  last_seen_at: Date;
}
export interface CounterCountRow {
  count_id: string;
  counter_id: string;
  area_id: string;
  local_date: string;
  counted_at: Date;
  received_at: Date;
  entries: number;
  exits: number;
}
export interface ZoneMessageRow {
  id: number;
  area_id: string;
  zone_id: string;
  target_zone_id: string | null;
  action: 'show' | 'clear';
  endpoint: string;
  kind: SignageKind;
  text_zh: string;
  text_en: string;
  in_zone: number;
  capacity: number;
  /** failed: `next_attempt_at` says when it is tried again (null: given up); superseded: a newer message replaced it */
  status: 'pending' | 'sent' | 'failed' | 'superseded';
  attempts: number;
  last_error: string | null;
  created_at: Date;
  sent_at: Date | null;
  next_attempt_at: Date | null;
}

/** issue 22: the price factor of an area's slot on a day (0064) */
export interface PriceFactorRow {
  area_id: string;
  visit_date: string;
  slot_id: string;
  factor_bps: number;
  /** forecast: the worker's; manager: pinned by hand, the worker leaves it */
  source: 'forecast' | 'manager';
  updated_at: Date;
}
/** issue 22: the crowd forecast of an area's slot on a day (0065) */
export interface CrowdForecastRow {
  area_id: string;
  visit_date: string;
  slot_id: string;
  visitors: number;
  capacity: number;
  factors: ForecastFactor[];
  error: BacktestResult;
  computed_at: Date;
}

/** 0058: a party of package sales with its own share (core/settlement) */
export interface SupplierRow {
  id: string;
  name: string;
  kind: 'hotel' | 'restaurant' | 'transport' | 'other';
  active: boolean;
  updated_at: Date;
}
/** 0058: one leg of a joint product: an area, the slot its ticket holds, its share of the net */
export interface JointAreaLeg {
  areaId: string;
  slotId: string;
  shareBps: number;
}
/** 0058: a supplier's part of a package: what it provides and its share of the net */
export interface JointSupplierPart {
  supplierId: string;
  item: string;
  shareBps: number;
}
/** 0058: a product sold once and valid at several areas, with its suppliers (core/joint) */
export interface JointProductRow {
  id: string;
  name: string;
  price: number;
  currency: string;
  areas: JointAreaLeg[];
  suppliers: JointSupplierPart[];
  active: boolean;
  updated_at: Date;
  /** 0085: the share of the price a member pays (bps); null = no member price */
  member_bps: number | null;
}
/** 0059: a party of an order's sale and its share of the net, fixed at placing (core/settlement) */
export interface OrderPartyRow {
  order_id: string;
  /** `area:<id>` | `supplier:<id>` */
  party: string;
  share_bps: number;
  /** the party's place in the product's list: the remainder rule's tie-break */
  position: number;
}

/** 0077: one session of a combo component's daily schedule (a departure, a showtime) */
export interface ComboSession {
  id: string;
  startsAt: string;
  capacity: number;
}
/** 0077: a combo component of an area: its own capacity per session, its scan point (core/combos) */
export interface ComboComponentRow {
  area_id: string;
  id: string;
  name: string;
  kind: 'bus' | 'show' | 'meal' | 'other';
  product_ids: string[];
  value: number;
  sessions: ComboSession[];
  active: boolean;
  updated_at: Date;
}
export type ComboBookingStatus = 'active' | 'redeemed' | 'refunded' | 'void';
/** 0077: one ticket's seat on one component's session */
export interface ComboBookingRow {
  id: string;
  order_id: string;
  ticket_id: string;
  area_id: string;
  component_id: string;
  session_id: string;
  visit_date: string;
  units: number;
  value: number;
  status: ComboBookingStatus;
  redeemed_at: Date | null;
  redeemed_gate: string | null;
  refund_id: string | null;
  created_at: Date;
}
/** 0078: a gate device in the role of one component's door */
export interface ComboScanPointRow {
  gate_id: string;
  area_id: string;
  component_id: string;
  updated_at: Date;
}
/** 0078: a scan at a component's door, with its decision */
export interface ComboScanRow {
  scan_id: string;
  gate_id: string;
  area_id: string;
  component_id: string;
  ticket_id: string;
  booking_id: string | null;
  decision: 'admit' | 'refuse';
  reason: string;
  scanned_at: Date;
  received_at: Date;
}
// --- 0068-passes
/** 0068: a pass product's rules (core/passes/model.ts PassTerms) */
export interface PassTermsRow {
  area_id: string;
  product_id: string;
  terms: PassTerms;
  updated_at: Date;
}
/** 0068: a ticket that is an annual pass: its validity and its holder's sealed photo */
export interface PassRow {
  ticket_id: string;
  order_id: string;
  area_id: string;
  product_id: string;
  valid_from: string;
  /** the last day bought with the pass itself; valid renewals add days (`pass_valid_until`) */
  valid_until: string;
  photo_enc: string | null;
  created_at: Date;
}
/** 0068: a pass's other tickets: a busy day's free slot booking, or a renewal */
export interface PassLinkRow {
  ticket_id: string;
  pass_id: string;
  kind: 'booking' | 'renewal';
  visit_date: string;
  days: number;
}

// --- 0070-members (issue 22)
export interface MemberAccountRow {
  id: string;
  member_no: string;
  /** null once the person is erased (deleted_at set) */
  phone_hash: string | null;
  phone_enc: string | null;
  name_enc: string | null;
  id_type: string | null;
  id_number_enc: string | null;
  id_masked: string | null;
  marketing_consent: boolean;
  consent_given_at: Date | null;
  consent_withdrawn_at: Date | null;
  /** when a rule made the account a member (null: signed in, not yet a member) */
  member_since: Date | null;
  level: string | null;
  points: number;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
  /** the mini-program openid the member registered, sealed (issue 22 campaigns) */
  mp_openid_enc: string | null;
}
export interface MemberSettingsRow {
  area_id: string;
  settings: MemberSettings;
  updated_at: Date;
}
export interface MemberPointsRow {
  id: number;
  account_id: string;
  delta: number;
  reason: 'earn_order' | 'earn_entry' | 'rule_bonus' | 'spend' | 'spend_returned' | 'earn_clawback';
  ref: string;
  area_id: string | null;
  created_at: Date;
}
export interface MemberOrderRow {
  order_id: string;
  account_id: string;
  /** 0084 adds box_office (staff identified the member by phone or member card) */
  via: 'session' | 'partner' | 'box_office';
  member_price: boolean;
  points_spent: number;
  points_discount: number;
}
export interface MemberEventRow {
  event_key: string;
  account_id: string;
  area_id: string;
  kind: 'paid' | 'entry' | 'refund' | 'lapsed' | 'rule';
  at: Date;
  applied: Record<string, unknown>;
}
export interface MemberCouponRow {
  code: string;
  area_id: string;
  account_id: string;
  rule_id: string;
  issued_at: Date;
}

/**
 * What a write may give a column: its value or a raw expression; a timestamp also as
 * ISO 8601 text; a jsonb column also as its JSON text — the driver would turn a JS array
 * into a Postgres array, so jsonb writes go through JSON.stringify (an object, the
 * driver serialises itself). Every column is optional: defaults fill the rest.
 */
type Write<Row, Json extends keyof Row> = {
  // `& string`: one write shape for a union row too (price_rules), not one per member
  [K in keyof Row & string]?:
    Row[K] | (K extends Json ? string : never) | (Date extends Row[K] ? string : never) | Knex.Raw;
};

/** A table: rows read as `Row`, written as `Write` (`Json`: its jsonb columns). */
type Table<Row, Json extends keyof Row = never> = Knex.CompositeTableType<
  Row,
  Write<Row, Json>,
  Write<Row, Json>,
  Write<Row, Json>
>;

// --- 0084-second-spend (issue 22)
export type SpendCategory = 'shop' | 'restaurant' | 'parking';
export interface MerchantRow {
  id: string;
  area_id: string;
  name: string;
  category: SpendCategory;
  key_id: string;
  secret_enc: string;
  created_at: Date;
  key_issued_at: Date;
  retired_at: Date | null;
}
export interface SpendSaleRow {
  id: string;
  merchant_id: string;
  area_id: string;
  merchant_sale_id: string;
  request_hash: string;
  category: SpendCategory;
  amount: number;
  amount_refunded: number;
  status: 'recorded' | 'voided';
  sold_at: Date;
  local_date: string;
  ticket_id: string | null;
  order_id: string | null;
  account_id: string | null;
  created_at: Date;
}
export interface SpendRefundRow {
  id: string;
  sale_id: string;
  merchant_id: string;
  merchant_refund_id: string;
  request_hash: string;
  amount: number;
  void: boolean;
  at: Date;
}

/** Campaigns (issue 22, migration 0080; core/campaigns). */
export interface CampaignSettingsRow {
  area_id: string;
  settings: unknown;
  updated_at: Date;
}

export interface CampaignRow {
  id: string;
  area_id: string;
  name: string;
  segment: SegmentInput;
  offer: CouponOffer;
  message: string;
  template_id: string | null;
  status: 'draft' | 'sending' | 'done';
  created_by: string;
  source: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

export interface CampaignSendRow {
  campaign_id: string;
  account_id: string;
  area_id: string;
  state: 'pending' | 'sending' | 'sent' | 'skipped' | 'failed' | 'unconfirmed';
  channel: 'sms' | 'miniprogram' | null;
  coupon_code: string | null;
  reason: string | null;
  attempts: number;
  not_before: Date | null;
  sent_at: Date | null;
  updated_at: Date;
}

export interface CampaignCouponRow {
  code: string;
  area_id: string;
  account_id: string;
  campaign_id: string;
  kind: 'amount' | 'percent';
  value: number;
  cap_fen: number | null;
  product_id: string | null;
  valid_from: Date;
  valid_until: Date;
  order_id: string | null;
  discount_fen: number | null;
  redeemed_at: Date | null;
  issued_at: Date;
}

export interface WeatherRuleRow {
  id: string;
  area_id: string;
  location: string;
  condition: 'sunny_weekend';
  campaign_id: string;
  enabled: boolean;
  created_at: Date;
}

export interface WeatherRuleFiringRow {
  rule_id: string;
  date: string;
  campaign_id: string;
  fired_at: Date;
}

declare module 'knex/types/tables.js' {
  interface Tables {
    areas: Table<AreaRow, 'thresholds' | 'closures'>;
    entrances: Table<EntranceRow>;
    time_slots: Table<TimeSlotRow>;
    products: Table<ProductRow, 'components' | 'eligibility' | 'dynamic_pricing' | 'policy' | 'group_tiers'>;
    channels: Table<ChannelRow>;
    channel_quotas: Table<ChannelQuotaRow>;
    price_rules: Table<PriceRuleRow, 'params'>;
    coupons: Table<CouponRow>;
    area_declarations: Table<AreaDeclarationRow, 'fields'>;
    orders: Table<OrderRow, 'pricing'>;
    order_lines: Table<OrderLineRow>;
    tickets: Table<TicketRow, 'group_masked'>;
    payments: Table<PaymentRow, 'raw'>;
    refunds: Table<RefundRow>;
    outbox: Table<OutboxRow, 'payload'>;
    audit_log: Table<AuditRow, 'data' | 'before' | 'after'>;
    idempotency_keys: Table<IdempotencyKeyRow, 'response'>;
    api_keys: Table<ApiKeyRow>;
    signing_keys: Table<SigningKeyRow>;
    waitlist: Table<WaitlistRow>;
    checkin_settings: Table<CheckinSettingsRow>;
    gate_devices: Table<GateDeviceRow, 'health'>;
    checkin_scans: Table<CheckinScanRow>;
    checkin_flags: Table<CheckinFlagRow>;
    area_presence: Table<AreaPresenceRow>;
    entrance_flow: Table<EntranceFlowRow>;
    ticket_changes: Table<TicketChangeRow>;
    partners: Table<PartnerRow>;
    partner_credentials: Table<PartnerCredentialRow>;
    webhook_subscriptions: Table<WebhookSubscriptionRow>;
    webhook_deliveries: Table<WebhookDeliveryRow, 'payload'>;
    order_terms: Table<OrderTermsRow>;
    emergency_sessions: Table<EmergencySessionRow>;
    emergency_sales: Table<EmergencySaleRow>;
    daily_reports: Table<DailyReportRow, 'report'>;
    reconciliation_runs: Table<ReconciliationRunRow, 'totals' | 'statement_totals'>;
    reconciliation_items: Table<ReconciliationItemRow>;
    reconciliation_decisions: Table<ReconciliationDecisionRow>;
    staff_accounts: Table<StaffAccountRow>;
    staff_sessions: Table<StaffSessionRow>;
    zones: Table<ZoneRow>;
    zone_settings: Table<ZoneSettingsRow, 'diversions' | 'signage'>;
    zone_states: Table<ZoneStateRow>;
    counter_devices: Table<CounterDeviceRow>;
    open_alerts: Table<OpenAlertRow>;
    counter_counts: Table<CounterCountRow>;
    zone_messages: Table<ZoneMessageRow>;
    price_factors: Table<PriceFactorRow>;
    crowd_forecasts: Table<CrowdForecastRow, 'factors' | 'error'>;
    suppliers: Table<SupplierRow>;
    joint_products: Table<JointProductRow, 'areas' | 'suppliers'>;
    order_parties: Table<OrderPartyRow>;
    policy_fees: Table<PolicyFeeRow>;
    combo_components: Table<ComboComponentRow, 'product_ids' | 'sessions'>;
    combo_bookings: Table<ComboBookingRow>;
    combo_scan_points: Table<ComboScanPointRow>;
    combo_scans: Table<ComboScanRow>;
    pass_terms: Table<PassTermsRow, 'terms'>;
    passes: Table<PassRow>;
    pass_links: Table<PassLinkRow>;
    member_accounts: Table<MemberAccountRow>;
    member_settings: Table<MemberSettingsRow, 'settings'>;
    member_points: Table<MemberPointsRow>;
    member_orders: Table<MemberOrderRow>;
    member_events: Table<MemberEventRow, 'applied'>;
    member_coupons: Table<MemberCouponRow>;
    merchants: Table<MerchantRow>;
    spend_sales: Table<SpendSaleRow>;
    spend_refunds: Table<SpendRefundRow>;
    campaign_settings: Table<CampaignSettingsRow, 'settings'>;
    campaigns: Table<CampaignRow, 'segment' | 'offer'>;
    campaign_sends: Table<CampaignSendRow>;
    campaign_coupons: Table<CampaignCouponRow>;
    weather_rules: Table<WeatherRuleRow>;
    weather_rule_firings: Table<WeatherRuleFiringRow>;
  }
}
