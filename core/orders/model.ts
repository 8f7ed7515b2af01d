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

/** Who is acting: visitors by phone hash or order token, staff and partners by key. */
export interface Actor {
  kind: 'visitor' | 'staff' | 'partner' | 'system';
  id: string;
  role?: 'admin' | 'box-office' | 'gate' | 'partner' | 'kiosk';
  /** the channel a staff/partner credential sells through */
  channelId?: string | null;
}

export const systemActor = (id: string): Actor => ({ kind: 'system', id });
export const actorName = (a: Actor) => `${a.kind}:${a.id}`;

export interface TicketView {
  id: string;
  productId: string;
  status: TicketStatus;
  visitor: { name: string; idType: string; idNumber: string };
  price: number;
  entriesAllowed: number;
  entriesUsed: number;
  /** the signed QR payload, once issued */
  code: string | null;
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
