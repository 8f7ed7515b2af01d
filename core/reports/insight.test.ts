import { describe, expect, it } from 'vitest';
import { checkResidentId, residentIdCheckChar } from '../pii/id-number.js';
import { PERMIT_PREFIXES, PROVINCES } from '../pii/regions.js';
import { ageBand, profile } from './insight.js';

const idIn = (code: string, birth = '19800101') => {
  const first17 = `${code}0105${birth}001`;
  return first17 + residentIdCheckChar(first17);
};
const today = new Date('2026-07-01T00:00:00Z');

describe('visitor insight', () => {
  // The report and the ID check read one table: every number the check accepts has a region.
  it.each([...PROVINCES, ...PERMIT_PREFIXES])('places a %s number in %s', (code, region) => {
    expect(checkResidentId(idIn(code), today).ok).toBe(true);
    expect(profile('cn_resident', idIn(code), '2026-07-01').region).toBe(region);
  });

  it.each([
    ['cn_resident', idIn('33', '20200101'), { band: '0-6', region: 'Zhejiang' }],
    ['cn_resident', idIn('83', '19600701'), { band: '60+', region: 'Taiwan' }],
    ['hk_macau_permit', 'H12345678', { band: 'unknown', region: 'Hong Kong/Macau' }],
    ['taiwan_permit', '12345678', { band: 'unknown', region: 'Taiwan' }],
    ['passport', 'E12345678', { band: 'unknown', region: 'international' }],
  ])('profiles a %s document', (type, id, want) => {
    expect(profile(type, id, '2026-07-01')).toEqual(want);
  });

  it.each([
    ['19800701', '2026-07-01', '45-59'],
    ['19800702', '2026-07-01', '45-59'],
    ['20080702', '2026-07-01', '7-17'],
    ['20080701', '2026-07-01', '18-29'],
  ])('born %s is in band %s on %s', (birth, on, band) => {
    expect(ageBand(birth, on)).toBe(band);
  });
});
