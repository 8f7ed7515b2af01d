/**
 * Constraint violations a caller turns into a domain error. Postgres names the
 * constraint (or unique index) it enforced; the names are knex's defaults for the
 * constraints declared in `core/db/migrations/` (`<table>_<columns>_unique`) or the
 * index name given there.
 */
export const UNIQUE_CONSTRAINTS = {
  /** 0002-orders: one partner order id per channel */
  partnerOrderId: 'orders_channel_id_partner_order_id_unique',
  /** 0004-channels: at most one open emergency session per area-day */
  openEmergencySession: 'emergency_sessions_open',
  /** 0016-staff-accounts: usernames and e-mail addresses are unique */
  accountUsername: 'staff_accounts_username_unique',
  accountEmail: 'staff_accounts_email_unique',
} as const;

export type UniqueConstraint = (typeof UNIQUE_CONSTRAINTS)[keyof typeof UNIQUE_CONSTRAINTS];

/** Postgres's SQLSTATE for unique_violation. */
const UNIQUE_VIOLATION = '23505';

/** Whether `e` is a unique violation of `constraint` (the driver's error, which knex rethrows as is). */
export function isUniqueViolation(e: unknown, constraint: UniqueConstraint): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const pgError: { code?: unknown; constraint?: unknown } = e;
  return pgError.code === UNIQUE_VIOLATION && pgError.constraint === constraint;
}

/**
 * The SQLSTATE of `scenic_require` (migration 0088): a statement's own guard refused it,
 * and the statement wrote nothing.
 */
const GUARD_REFUSED = 'SG001';

/** Whether `e` is a statement's guard refusing it (core/db/one-statement.ts `guard`). */
export function isGuardRefusal(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const pgError: { code?: unknown } = e;
  return pgError.code === GUARD_REFUSED;
}

/**
 * Whether `e` is Postgres refusing a statement (an ERROR with its SQLSTATE): the statement
 * was undone. A lost connection or a FATAL (a backend terminated, possibly after its
 * commit) proves nothing about a statement that commits by itself.
 */
export function isServerRefusal(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const pgError: { code?: unknown; severity?: unknown } = e;
  return (
    pgError.severity === 'ERROR' && typeof pgError.code === 'string' && /^[0-9A-Z]{5}$/.test(pgError.code)
  );
}
