import { DomainError } from '../errors.js';
import type { Actor } from '../orders/model.js';
import {
  GRANTABLE,
  PERMISSIONS,
  PLATFORM_PERMISSIONS,
  SECOND_FACTOR_ROLES,
  isRole,
  type Permission,
  type Role,
  type StaffRole,
} from './roles.js';

/**
 * The areas an actor may act for: a list of area ids, or `'*'` (every area, present and
 * future: the platform admin). Pure functions of the actor; the API's guards
 * (`api/context.ts`) and the few core operations that check for themselves call them.
 */
export type AreaScope = '*' | readonly string[];
export const ALL_AREAS = '*' as const;

/** Why an actor may not do something, or undefined when it may. */
export type Refusal =
  | 'authentication_required'
  | 'permission_denied'
  | 'second_factor_required'
  | 'area_not_in_scope'
  | 'all_areas_required';

const staffRole = (a: Actor): Role | undefined =>
  a.kind === 'staff' && a.role && isRole(a.role) ? a.role : undefined;

/** Whether the actor's role grants the permission (areas aside). */
export function can(a: Actor, p: Permission): boolean {
  const role = staffRole(a);
  return role !== undefined && PERMISSIONS[role].includes(p);
}

/** Whether the actor may act for the area. An actor with no scope acts for none. */
export function inScope(a: Actor, areaId: string): boolean {
  if (a.kind !== 'staff' || !a.areas) return false;
  return a.areas === ALL_AREAS || a.areas.includes(areaId);
}

/** Whether `outer` covers every area of `inner`. */
export function covers(outer: AreaScope | undefined, inner: AreaScope): boolean {
  if (!outer) return false;
  if (outer === ALL_AREAS) return true;
  if (inner === ALL_AREAS) return false;
  return inner.every((id) => outer.includes(id));
}

/** Whether two scopes share an area. */
export function overlaps(a: AreaScope | undefined, b: AreaScope): boolean {
  if (!a) return false;
  if (a === ALL_AREAS || b === ALL_AREAS) return true;
  return a.some((id) => b.includes(id));
}

/** The areas of `areas` the actor may see (all of them for `'*'`). */
export function visibleAreas(a: Actor, areas: readonly string[]): string[] {
  return areas.filter((id) => inScope(a, id));
}

/** A person signed in with a password whose role needs a second factor not yet passed. */
export function secondFactorPending(a: Actor): boolean {
  const role = staffRole(a);
  return a.secondFactor === false && role !== undefined && SECOND_FACTOR_ROLES.includes(role);
}

/**
 * What a route checks: the permission, the second factor of people whose role needs one,
 * and the area of the resource — `areaId` (an area id), `'*'` (the route is about every
 * area: platform-wide permissions need an all-areas scope), or `null` (no area: the
 * caller's own account).
 */
export function refusal(a: Actor | undefined, p: Permission, area: string | null): Refusal | undefined {
  if (!a || (a.kind === 'visitor' && a.id === 'anonymous')) return 'authentication_required';
  if (!can(a, p)) return 'permission_denied';
  if (secondFactorPending(a)) return 'second_factor_required';
  if (area === ALL_AREAS || PLATFORM_PERMISSIONS.includes(p))
    return a.areas === ALL_AREAS ? undefined : 'all_areas_required';
  if (area !== null && !inScope(a, area)) return 'area_not_in_scope';
  return undefined;
}

const MESSAGES: Record<Refusal, string> = {
  authentication_required: 'this endpoint needs staff credentials',
  permission_denied: 'your role may not do this',
  second_factor_required: 'confirm your second factor (TOTP) first',
  area_not_in_scope: 'this belongs to an area you do not act for',
  all_areas_required: 'this is platform-wide: it needs a platform admin (every area)',
};

/** The refusal as the domain error the API answers with (401 or 403). */
export function refusalError(r: Refusal, detail?: string): DomainError {
  const message = detail ? `${MESSAGES[r]} (${detail})` : MESSAGES[r];
  return r === 'authentication_required'
    ? new DomainError('authentication', r, message)
    : new DomainError('not-allowed', r, message);
}

/** Throws the refusal, if any (for core operations that check for themselves). */
export function assertMay(a: Actor | undefined, p: Permission, area: string | null): void {
  const r = refusal(a, p, area);
  if (r) throw refusalError(r, `${p}${area && area !== ALL_AREAS ? ` in ${area}` : ''}`);
}

/**
 * Whether `granter` may give an account `role` over `areas`: its role may grant that role
 * ({@link GRANTABLE}), and it acts for every one of those areas. Only a platform admin
 * gives an all-areas scope, and `admin` always comes with every area.
 */
export function grantRefusal(
  granter: Actor,
  grant: { role: StaffRole; areas: AreaScope },
): 'role_not_grantable' | 'area_not_in_scope' | 'admin_needs_all_areas' | undefined {
  const role = staffRole(granter);
  if (!role || !GRANTABLE[role].includes(grant.role)) return 'role_not_grantable';
  if (grant.role === 'admin' && grant.areas !== ALL_AREAS) return 'admin_needs_all_areas';
  if (!covers(granter.areas, grant.areas)) return 'area_not_in_scope';
  return undefined;
}

/** The permissions of a role, for the console to show what an account may do. */
export const permissionsOf = (role: Role): readonly Permission[] => PERMISSIONS[role];
