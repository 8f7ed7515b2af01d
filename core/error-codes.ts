import { COMMON_ERRORS } from './common-errors.js';
import { AUTH_ERRORS } from './auth/errors.js';
import { CATALOG_ERRORS } from './catalog/errors.js';
import { CHANNEL_ERRORS, OCTO_ERRORS } from './channels/errors.js';
import { CHECKIN_ERRORS } from './checkin/errors.js';
import { INVENTORY_ERRORS } from './inventory/errors.js';
import { JOINT_ERRORS } from './joint/errors.js';
import { COMBO_ERRORS } from './combos/errors.js';
import { NOTIFY_ERRORS } from './notify/errors.js';
import { ORDER_ERRORS } from './orders/errors.js';
import { PAYMENT_ERRORS } from './payments/errors.js';
import { FORECAST_ERRORS } from './forecast/errors.js';
import { MEMBER_ERRORS } from './members/errors.js';
import { CAMPAIGN_ERRORS } from './campaigns/errors.js';
import { ID_DOCUMENT_ERRORS } from './pii/errors.js';
import { PRESALE_ERRORS } from './presale/errors.js';
import { PRICING_ERRORS } from './pricing/errors.js';
import { POLICY_ERRORS } from './policies/errors.js';
import { CARD_ERRORS } from './cards/errors.js';
import { PASS_ERRORS } from './passes/errors.js';
import { GROUP_ERRORS } from './groups/errors.js';
import { REDIS_ERRORS } from './redis/errors.js';
import { SCREEN_ERRORS } from './screen/errors.js';
import { SPEND_ERRORS } from './spend/errors.js';
import { TICKET_KEY_ERRORS } from './tickets/errors.js';
import { ZONE_ERRORS } from './zones/errors.js';
import type { ErrorCode, ErrorKind, ErrorTable } from './errors.js';

/**
 * Every area's errors table, by area. A new code goes into its area's table (a new area
 * adds its table here); `ErrorCode` is the union of them all. A code is declared in one
 * table only (tested in error-codes.test.ts).
 */
export const ERROR_TABLES = {
  common: COMMON_ERRORS,
  auth: AUTH_ERRORS,
  catalog: CATALOG_ERRORS,
  channels: CHANNEL_ERRORS,
  octo: OCTO_ERRORS,
  checkin: CHECKIN_ERRORS,
  inventory: INVENTORY_ERRORS,
  joint: JOINT_ERRORS,
  combos: COMBO_ERRORS,
  notify: NOTIFY_ERRORS,
  forecast: FORECAST_ERRORS,
  members: MEMBER_ERRORS,
  campaigns: CAMPAIGN_ERRORS,
  orders: ORDER_ERRORS,
  payments: PAYMENT_ERRORS,
  pii: ID_DOCUMENT_ERRORS,
  presale: PRESALE_ERRORS,
  pricing: PRICING_ERRORS,
  policies: POLICY_ERRORS,
  cards: CARD_ERRORS,
  passes: PASS_ERRORS,
  groups: GROUP_ERRORS,
  redis: REDIS_ERRORS,
  screen: SCREEN_ERRORS,
  spend: SPEND_ERRORS,
  tickets: TICKET_KEY_ERRORS,
  zones: ZONE_ERRORS,
} as const satisfies Record<string, ErrorTable>;

/** Every declared code and its kind(s). */
export const ERROR_CODES = {
  ...COMMON_ERRORS,
  ...AUTH_ERRORS,
  ...CATALOG_ERRORS,
  ...CHANNEL_ERRORS,
  ...OCTO_ERRORS,
  ...CHECKIN_ERRORS,
  ...INVENTORY_ERRORS,
  ...JOINT_ERRORS,
  ...COMBO_ERRORS,
  ...NOTIFY_ERRORS,
  ...FORECAST_ERRORS,
  ...MEMBER_ERRORS,
  ...CAMPAIGN_ERRORS,
  ...ORDER_ERRORS,
  ...PAYMENT_ERRORS,
  ...ID_DOCUMENT_ERRORS,
  ...PRESALE_ERRORS,
  ...PRICING_ERRORS,
  ...POLICY_ERRORS,
  ...CARD_ERRORS,
  ...PASS_ERRORS,
  ...GROUP_ERRORS,
  ...REDIS_ERRORS,
  ...SCREEN_ERRORS,
  ...SPEND_ERRORS,
  ...TICKET_KEY_ERRORS,
  ...ZONE_ERRORS,
} as const;

export type ErrorRegistry = typeof ERROR_CODES;

/** Whether a string read back from outside (a stored answer) is a declared code. */
export const isErrorCode = (s: string): s is ErrorCode => Object.hasOwn(ERROR_CODES, s);

/** The kinds a code is declared with, its usual one first. */
export function kindsOf(code: ErrorCode): readonly ErrorKind[] {
  const k: ErrorKind | readonly ErrorKind[] = ERROR_CODES[code];
  return typeof k === 'string' ? [k] : k;
}
