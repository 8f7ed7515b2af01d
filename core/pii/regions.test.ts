import { describe, expect, it } from 'vitest';
import { checkResidentId, residentIdCheckChar } from './id-number.js';
import { PERMIT_PREFIXES, PROVINCES, regionOfResidentId } from './regions.js';

/** GB/T 2260 province-level division codes (the first two digits of each six-digit code). */
const GB_T_2260 = [
  '11', '12', '13', '14', '15', // 北京 天津 河北 山西 内蒙古
  '21', '22', '23', // 辽宁 吉林 黑龙江
  '31', '32', '33', '34', '35', '36', '37', // 上海 江苏 浙江 安徽 福建 江西 山东
  '41', '42', '43', '44', '45', '46', // 河南 湖北 湖南 广东 广西 海南
  '50', '51', '52', '53', '54', // 重庆 四川 贵州 云南 西藏
  '61', '62', '63', '64', '65', // 陕西 甘肃 青海 宁夏 新疆
  '71', '81', '82', // 台湾 香港 澳门
]; // prettier-ignore

const today = new Date('2026-07-01T00:00:00Z');
const idIn = (code: string) => {
  const first17 = `${code}010519800101001`;
  return first17 + residentIdCheckChar(first17);
};

describe('resident ID regions', () => {
  it('are the GB/T 2260 provinces, plus the Taiwan residence-permit prefix 83', () => {
    expect([...PROVINCES.keys()]).toEqual(GB_T_2260);
    expect([...PERMIT_PREFIXES]).toEqual([['83', 'Taiwan']]);
  });

  it.each([...GB_T_2260, '83'])('the ID check accepts %s and the region is known', (code) => {
    expect(checkResidentId(idIn(code), today)).toMatchObject({ ok: true, province: code });
    expect(regionOfResidentId(idIn(code))).toBeDefined();
  });

  it.each(['10', '16', '30', '47', '55', '66', '72', '80', '84', '91', '99'])(
    'the ID check refuses %s, which is no region',
    (code) => {
      expect(checkResidentId(idIn(code), today)).toEqual({ ok: false, reason: 'id_province' });
      expect(regionOfResidentId(idIn(code))).toBeUndefined();
    },
  );
});
