import { describe, expect, it } from 'vitest';
import { DeclaredFields } from '../../core/catalog/declared.js';
import { completeArea } from '../api/fixtures.js';
import { resolveArea } from '../api/defaults.js';
import { declaredFieldsOf } from './declared.js';

describe('declared zones (issue 21)', () => {
  const area = { ...completeArea, metadata: { name: 'west-lake', namespace: 'scenic' } };

  it('a ScenicArea’s zones and diversion reach the catalog’s terms, valid for declareArea', () => {
    const f = declaredFieldsOf(resolveArea(area));
    expect(f.zones).toEqual([
      {
        id: 'lake',
        name: { zh: '湖区', en: 'Lake' },
        capacity: 800,
        entrances: ['north-gate'],
        counters: ['cam-lake-1'],
      },
      { id: 'hill', name: { zh: '山区', en: 'Hill' }, capacity: 600, entrances: [], counters: [] },
    ]);
    expect(f.diversion?.pairs).toEqual([
      { from: 'lake', to: 'hill', message: { zh: '{from}人多，先去{to}', en: '{from} is busy, try {to}' } },
    ]);
    expect(DeclaredFields.safeParse(f).success).toBe(true);
  });

  it('a pair naming an undeclared zone is refused, naming the field', () => {
    const f = declaredFieldsOf(resolveArea(area));
    const bad = { ...f, diversion: { ...f.diversion!, pairs: [{ from: 'lake', to: 'moon' }] } };
    const r = DeclaredFields.safeParse(bad);
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.'))).toEqual(['diversion.pairs.0.to']);
  });

  it('an area without zones declares none (the catalog keeps its own)', () => {
    const { zones: _z, diversion: _d, ...spec } = area.spec;
    const f = declaredFieldsOf(resolveArea({ ...area, spec }));
    expect('zones' in f || 'diversion' in f).toBe(false);
  });

  it('declares closed days when the spec has them, and none when it leaves them out', () => {
    const f = declaredFieldsOf(resolveArea(area));
    expect(f.closures).toEqual({ weekdays: [1], dates: ['2030-10-09'] });
    expect(DeclaredFields.safeParse(f).success).toBe(true);
    const { closures: _c, ...spec } = area.spec;
    expect('closures' in declaredFieldsOf(resolveArea({ ...area, spec }))).toBe(false);
  });
});
