import type { MaskedParty } from '../groups/model.js';
import type { KeyDeviceKind, Role } from '../auth/roles.js';
import type { AreaScope } from '../auth/scope.js';

/** Order and ticket states, reason codes, and the views the outside world sees. */
export const ORDER_STATUSES = [
  'held',
  'issued',
  'expired',
  'cancelled',
  'refunded',
  'partially_refunded',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** Statuses whose tickets still take stock. */
export const LIVE_STATUSES: readonly OrderStatus[] = ['held', 'issued', 'partially_refunded'];

/** pending: held, not paid; valid: issued; void: the hold lapsed or was cancelled. */
export type TicketStatus = 'pending' | 'valid' | 'void' | 'refunded' | 'rescheduled';

export const REFUND_REASONS = [
  'change_of_plans',
  'weather',
  'illness',
  'duplicate_purchase',
  'wrong_date',
  'area_closed',
  'service_issue',
  'other',
] as const;
export type RefundReason = (typeof REFUND_REASONS)[number];

/**
 * Who is acting: visitors by phone hash or order token, partners by key, staff by device
 * key or by a signed-in account (`user:<username>`), the system by job name. A staff
 * actor's scope — its role, the areas it acts for and the channel it sells through —
 * decides what it may do (`core/auth/scope.ts`, `core/auth/roles.ts`).
 */
export interface Actor {
  kind: 'visitor' | 'staff' | 'partner' | 'merchant' | 'system';
  id: string;
  /** staff: the role whose permissions it has (`admin`: the platform admin); partners: `partner` */
  role?: Role | 'partner';
  /** the channel a staff/partner credential sells through; staff without one sell nothing */
  channelId?: string | null;
  /** staff: the areas it acts for (`'*'`: every area); none = no area */
  areas?: AreaScope;
  /** a device key's kind (box office, kiosk, handheld) */
  device?: KeyDeviceKind;
  /** people's sessions: whether the second factor was passed (undefined for keys) */
  secondFactor?: boolean;
  /** people's sessions: the account and the session */
  accountId?: string;
  sessionId?: string;
}

export const systemActor = (id: string): Actor => ({ kind: 'system', id });
export const actorName = (a: Actor) => `${a.kind}:${a.id}`;

export interface TicketView {
  id: string;
  productId: string;
  /** the area it admits at: a joint order has a ticket per visitor per area (core/joint) */
  areaId: string;
  status: TicketStatus;
  visitor: { name: string; idType: string; idNumber: string };
  price: number;
  entriesAllowed: number;
  entriesUsed: number;
  /** the signed QR payload, once issued */
  code: string | null;
  /**
   * A group ticket's party (core/groups), masked: its size, leader and members, the persons
   * the gates let in and the rest (no-shows once the day is over). Absent: not a group.
   */
  group?: MaskedParty & { entered: number; noShows: number };
}

export interface OrderView {
  id: string;
  status: OrderStatus;
  areaId: string;
  date: string;
  slotId: string;
  channelId: string;
  currency: string;
  amountTotal: number;
  amountRefunded: number;
  contactPhone: string | null;
  expiresAt: string | null;
  paidAt: string | null;
  partnerOrderId: string | null;
  lines: { productId: string; quantity: number; unitPrice: number; amount: number }[];
  tickets: TicketView[];
  pricing: unknown;
  createdAt: string;
}
