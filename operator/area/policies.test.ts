import { describe, expect, it } from 'vitest';
import { resolveArea } from '../api/defaults.js';
import { minimalArea } from '../api/fixtures.js';
import type { ScenicArea } from '../api/types.js';
import {
  areaIdIsUnique,
  areaPolicies,
  firstViolation,
  hooksAreAllowed,
  signageIsAllowed,
  imageIsAllowed,
  redisPrefixIsOwn,
  timezoneIsKnown,
  type AreaInput,
} from './policies.js';
import { hookAllowed, imageAllowed, imageRepository } from './tenancy.js';

const tenancy = {
  imageAllowlist: ['ghcr.io/scenic/scenic', 'registry.example.com/parks/'],
  hookAllowlist: [
    'https://hooks.example.com',
    'https://*.ops.example.com:8443',
    'http://relay.scenic.svc:8080',
  ],
};
const mk = (
  spec: Partial<ScenicArea['spec']> = {},
  meta: Partial<ScenicArea['metadata']> = {},
): ScenicArea => ({
  ...minimalArea,
  metadata: { name: 'park', namespace: 'ns', uid: 'u1', creationTimestamp: '2030-01-01T00:00:00Z', ...meta },
  spec: { ...minimalArea.spec, ...spec },
});
const input = (area: ScenicArea, others: ScenicArea[] = []): AreaInput => ({
  area,
  resolved: resolveArea(area),
  others,
  tenancy,
});
const older = (spec: Partial<ScenicArea['spec']>, meta: Partial<ScenicArea['metadata']> = {}) =>
  mk(spec, { name: 'old', uid: 'u0', creationTimestamp: '2029-01-01T00:00:00Z', ...meta });
const prefix = (p: string) => ({ dataPlane: { ...minimalArea.spec.dataPlane, redisPrefix: p } });

describe('area policies', () => {
  it.each([
    ['Asia/Shanghai', undefined],
    ['Europe/Paris', undefined],
    ['Mars/Olympus_Mons', 'InvalidTimezone'],
  ])('timezone %s → %s', (tz, reason) => {
    expect(timezoneIsKnown(input(mk({ timezone: tz })))?.reason).toBe(reason);
  });

  it('refuses the younger of two areas sharing an areaId in one namespace, naming the older', () => {
    const old = older({ areaId: 'x' });
    const young = mk({ areaId: 'x' });
    expect(areaIdIsUnique(input(young, [old, young]))).toMatchObject({
      reason: 'AreaIdConflict',
      message: expect.stringContaining('ns/old') as string,
    });
    expect(areaIdIsUnique(input(old, [old, young]))).toBeUndefined();
  });

  // 17.13: before, another prefix made the same areaId a different area, in any namespace
  it('17.13 refuses an areaId another namespace uses, whatever the Redis prefix, without naming it', () => {
    const theirs = older({ areaId: 'west-lake' }, { namespace: 'tenant-a' });
    const mine = mk({ areaId: 'west-lake', ...prefix('evil:') }, { namespace: 'tenant-b' });
    const v = areaIdIsUnique(input(mine, [theirs, mine]));
    expect(v?.reason).toBe('AreaIdTaken');
    expect(v?.message).not.toContain('tenant-a');
    expect(areaIdIsUnique(input(theirs, [theirs, mine]))).toBeUndefined();
  });

  it('17.13 refuses a Redis prefix another namespace uses; the same namespace may share one', () => {
    const theirs = older({ areaId: 'a', ...prefix('tenant-a:') }, { namespace: 'tenant-a' });
    const sibling = older({ areaId: 'b', ...prefix('tenant-b:') }, { namespace: 'tenant-b', name: 'b' });
    const mine = mk({ areaId: 'c', ...prefix('tenant-a:') }, { namespace: 'tenant-b' });
    expect(redisPrefixIsOwn(input(mine, [theirs, mine]))?.reason).toBe('RedisPrefixTaken');
    const ok = mk({ areaId: 'c', ...prefix('tenant-b:') }, { namespace: 'tenant-b' });
    expect(redisPrefixIsOwn(input(ok, [theirs, sibling, ok]))).toBeUndefined();
  });

  it.each([
    ['ghcr.io/scenic/scenic:1.2.3', true],
    ['ghcr.io/scenic/scenic@sha256:' + 'a'.repeat(64), true],
    ['registry.example.com/parks/scenic:9', true],
    ['registry.example.com/parks/team/scenic:9', true],
    ['ghcr.io/scenic/scenic-evil:1', false],
    ['ghcr.io/attacker/scenic:1', false],
    ['registry.example.com/parksx/scenic:1', false],
    ['localhost:5000/scenic:1', false],
  ])('17.13 image %s allowed: %s', (image, ok) => {
    expect(imageAllowed(image, tenancy)).toBe(ok);
    expect(imageIsAllowed(input(mk({ image })))?.reason).toBe(ok ? undefined : 'ImageNotAllowed');
  });

  it('reads the repository out of registry ports, tags and digests', () => {
    expect(imageRepository('localhost:5000/a/b:1@sha256:ff')).toBe('localhost:5000/a/b');
    expect(imageRepository('localhost:5000/a/b')).toBe('localhost:5000/a/b');
  });

  it.each([
    ['https://hooks.example.com/capacity', true],
    ['https://hooks.example.com:443/x', true],
    ['https://a.ops.example.com:8443/x', true],
    ['https://ops.example.com:8443/x', false],
    ['https://a.ops.example.com/x', false], // wrong port
    ['http://hooks.example.com/capacity', false], // https only, unless listed as http
    ['http://relay.scenic.svc:8080/hook', true],
    ['https://hooks.example.com.attacker.net/x', false],
    ['https://user:pw@hooks.example.com/x', false],
    ['http://169.254.169.254/latest/meta-data', false],
    ['http://127.0.0.1:6379/', false],
    ['file:///etc/passwd', false],
    ['not a url', false],
  ])('17.13 hook %s allowed: %s', (url, ok) => {
    expect(hookAllowed(url, tenancy)).toBe(ok);
    expect(hooksAreAllowed(input(mk({ hooks: [{ name: 'h', url }] })))?.reason).toBe(
      ok ? undefined : 'HookNotAllowed',
    );
  });

  it('signage for diversion messages meets the same allow-list as hooks', () => {
    const withSignage = (url: string) =>
      input(mk({ diversion: { signage: [{ name: 'led-1', kind: 'led', url }] } }));
    expect(signageIsAllowed(withSignage('http://relay.scenic.svc:8080/led'))).toBeUndefined();
    expect(signageIsAllowed(withSignage('http://169.254.169.254/latest/meta-data'))?.reason).toBe(
      'SignageNotAllowed',
    );
  });

  it('allows no hook at all when the operator allows no origin', () => {
    const v = firstViolation(areaPolicies, {
      ...input(
        mk({ image: 'ghcr.io/scenic/scenic:1', hooks: [{ name: 'h', url: 'https://hooks.example.com' }] }),
      ),
      tenancy: { ...tenancy, hookAllowlist: [] },
    });
    expect(v?.reason).toBe('HookNotAllowed');
  });
});
