import { createHash } from 'node:crypto';
import type { Actor } from './model.js';
import type { PiiVault } from '../pii/crypto.js';
import { can, inScope } from '../auth/scope.js';

/**
 * The stored form of an order's access token (the secret a visitor without an account
 * holds, `X-Order-Token`): its SHA-256, so a read of the books reveals no usable token.
 */
export const hashToken = (t: string) => createHash('sha256').update(t).digest('base64url');

/**
 * The access token of an order placed with an idempotency secret: derived, not random, so
 * the idempotency record stores no bearer token and a retry of the same request (same
 * secret) is answered with the same token again (issue 17 item 14).
 */
export const orderAccessToken = (vault: PiiVault, secret: string, orderId: string) =>
  vault.derive('order-access', `${secret}|${orderId}`);

/**
 * Who may see or change an order: staff who may read orders and act for its area (what
 * else they may do to it, their route's guard checks), the partner whose channel sold
 * it, the visitor signed in with its contact phone, or anyone holding its access token.
 */
export function mayAccessOrder(
  a: Actor,
  o: { area_id: string; channel_id: string; contact_phone_hash: string | null; access_token_hash: string },
  token: string | undefined,
): boolean {
  return (
    (a.kind === 'staff' && can(a, 'orders.read') && inScope(a, o.area_id)) ||
    (a.kind === 'partner' && a.channelId === o.channel_id) ||
    (a.kind === 'visitor' && a.id !== 'anonymous' && a.id === o.contact_phone_hash) ||
    (token !== undefined && hashToken(token) === o.access_token_hash)
  );
}
