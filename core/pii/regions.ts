/**
 * The region a Chinese resident ID number (GB 11643) was issued for, from its first two
 * digits — the one table both the ID check (core/pii/id-number.ts) and the visitor insight
 * of the daily report (core/reports/insight.ts) read, so they cannot disagree.
 *
 * PROVINCES are the province-level codes of GB/T 2260 (the administrative division codes
 * that GB 11643's address code is taken from): 34, including 71 Taiwan, 81 Hong Kong and
 * 82 Macau. PERMIT_PREFIXES are address codes GB 11643 numbers also carry that are not in
 * GB/T 2260: 83, the address code of Taiwan residents' residence permits (《港澳台居民居住证申领发放办法》,
 * 2018; Hong Kong and Macau residents' permits use 81 and 82). Nothing else is a valid
 * start: the 2023 foreign permanent resident ID card starts with 9 followed by the issuing
 * province's code, so no single "9x" prefix stands for it (foreigners book with a passport).
 */
export const PROVINCES: ReadonlyMap<string, string> = new Map(
  Object.entries({
    '11': 'Beijing',
    '12': 'Tianjin',
    '13': 'Hebei',
    '14': 'Shanxi',
    '15': 'Inner Mongolia',
    '21': 'Liaoning',
    '22': 'Jilin',
    '23': 'Heilongjiang',
    '31': 'Shanghai',
    '32': 'Jiangsu',
    '33': 'Zhejiang',
    '34': 'Anhui',
    '35': 'Fujian',
    '36': 'Jiangxi',
    '37': 'Shandong',
    '41': 'Henan',
    '42': 'Hubei',
    '43': 'Hunan',
    '44': 'Guangdong',
    '45': 'Guangxi',
    '46': 'Hainan',
    '50': 'Chongqing',
    '51': 'Sichuan',
    '52': 'Guizhou',
    '53': 'Yunnan',
    '54': 'Tibet',
    '61': 'Shaanxi',
    '62': 'Gansu',
    '63': 'Qinghai',
    '64': 'Ningxia',
    '65': 'Xinjiang',
    '71': 'Taiwan',
    '81': 'Hong Kong',
    '82': 'Macau',
  }),
);

export const PERMIT_PREFIXES: ReadonlyMap<string, string> = new Map([['83', 'Taiwan']]);

/** The region of a resident ID number's first two digits, or undefined when no number starts so. */
export const regionOfResidentId = (id: string): string | undefined =>
  PROVINCES.get(id.slice(0, 2)) ?? PERMIT_PREFIXES.get(id.slice(0, 2));
