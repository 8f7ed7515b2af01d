import { describe, expect, it } from 'vitest';
import type { Actor } from '../orders/model.js';
import { PERMISSIONS, PERMISSIONS_LIST, ROLES, type Permission } from './roles.js';
import { assertMay, can, covers, grantRefusal, inScope, refusal, visibleAreas } from './scope.js';

const staff = (role: Actor['role'], areas: Actor['areas'], extra: Partial<Actor> = {}): Actor => ({
  kind: 'staff',
  id: `t-${String(role)}`,
  role,
  areas,
  ...extra,
});

describe('scope: role, second factor and area', () => {
  it.each([
    ['anonymous', undefined, 'orders.read', 'a', 'authentication_required'],
    ['visitor', { kind: 'visitor', id: 'h' }, 'orders.read', 'a', 'permission_denied'],
    ['partner', { kind: 'partner', id: 'p', role: 'partner' }, 'orders.read', 'a', 'permission_denied'],
    ['gate staff refunding', staff('gate', ['a']), 'orders.refund', 'a', 'permission_denied'],
    ['cashier of a, in a', staff('box-office', ['a']), 'orders.sell', 'a', undefined],
    ['cashier of a, in b', staff('box-office', ['a']), 'orders.sell', 'b', 'area_not_in_scope'],
    ['key with no scope', staff('box-office', undefined), 'orders.sell', 'a', 'area_not_in_scope'],
    ['empty scope', staff('box-office', []), 'orders.sell', 'a', 'area_not_in_scope'],
    ['platform admin anywhere', staff('admin', '*'), 'orders.refund-any', 'zz', undefined],
    [
      'manager on a platform route',
      staff('area-manager', ['a']),
      'partners.manage',
      '*',
      'permission_denied',
    ],
    ['finance of a, settlements', staff('finance', ['a']), 'settlements.read', '*', 'all_areas_required'],
    ['finance of all, settlements', staff('finance', '*'), 'settlements.read', '*', undefined],
    [
      'admin without second factor',
      staff('admin', '*', { secondFactor: false }),
      'orders.read',
      'a',
      'second_factor_required',
    ],
    [
      'cs without second factor',
      staff('customer-service', ['a'], { secondFactor: false }),
      'orders.read',
      'a',
      undefined,
    ],
    ['own account', staff('gate', ['a']), 'gate.scan', null, undefined],
  ] as const)('%s', (_name, actor, p, area, want) => {
    expect(refusal(actor, p as Permission, area)).toBe(want);
  });

  it('every role names only declared permissions, and the platform admin has them all', () => {
    for (const r of ROLES) for (const p of PERMISSIONS[r]) expect(PERMISSIONS_LIST).toContain(p);
    expect([...PERMISSIONS.admin].sort()).toEqual([...PERMISSIONS_LIST].sort());
  });

  it('devices sell and read but never refund any order, search, or manage', () => {
    for (const role of ['kiosk', 'handheld'] as const)
      for (const p of ['orders.refund-any', 'orders.search', 'accounts.manage', 'devices.manage'] as const)
        expect(can(staff(role, ['a']), p)).toBe(false);
  });

  it('assertMay throws the refusal as a domain error', () => {
    const thrown = (f: () => void) => {
      try {
        f();
      } catch (e) {
        return e;
      }
      return undefined;
    };
    expect(thrown(() => assertMay(staff('kiosk', ['a']), 'orders.sell', 'b'))).toMatchObject({
      code: 'area_not_in_scope',
      kind: 'not-allowed',
    });
    expect(thrown(() => assertMay(undefined, 'orders.sell', 'b'))).toMatchObject({
      code: 'authentication_required',
      kind: 'authentication',
    });
  });

  it('covers, inScope and visibleAreas', () => {
    expect(covers('*', ['a'])).toBe(true);
    expect(covers(['a'], '*')).toBe(false);
    expect(covers(['a', 'b'], ['b'])).toBe(true);
    expect(covers(['a'], ['a', 'c'])).toBe(false);
    expect(covers(undefined, [])).toBe(false);
    expect(inScope({ kind: 'visitor', id: 'x', areas: '*' }, 'a')).toBe(false);
    expect(visibleAreas(staff('finance', ['b']), ['a', 'b', 'c'])).toEqual(['b']);
  });
});

describe('granting roles and areas', () => {
  it.each([
    ['admin gives admin everywhere', staff('admin', '*'), 'admin', '*', undefined],
    ['admin gives admin one area', staff('admin', '*'), 'admin', ['a'], 'admin_needs_all_areas'],
    ['manager gives a cashier its area', staff('area-manager', ['a']), 'box-office', ['a'], undefined],
    ['manager gives another area', staff('area-manager', ['a']), 'box-office', ['b'], 'area_not_in_scope'],
    ['manager gives every area', staff('area-manager', ['a']), 'finance', '*', 'area_not_in_scope'],
    ['manager makes an admin', staff('area-manager', ['a']), 'admin', '*', 'role_not_grantable'],
    ['cs gives anything', staff('customer-service', ['a']), 'gate', ['a'], 'role_not_grantable'],
  ] as const)('%s', (_n, granter, role, areas, want) => {
    expect(grantRefusal(granter, { role, areas })).toBe(want);
  });
});
