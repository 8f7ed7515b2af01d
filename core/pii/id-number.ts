import { regionOfResidentId } from './regions.js';

/**
 * Identity documents of real-name tickets. Chinese resident ID numbers (GB 11643-1999)
 * are checked for format, province (core/pii/regions.ts), birth date and the ISO 7064
 * MOD 11-2 check digit.
 */
export type IdType = 'cn_resident' | 'passport' | 'hk_macau_permit' | 'taiwan_permit';

/** Why a number is refused; each is an order input error code (core/pii/errors.ts). */
export type IdCheckFailure = 'id_format' | 'id_province' | 'id_birth_date' | 'id_checksum';

export type IdCheck =
  | { ok: true; normalised: string; birthDate?: string; sex?: 'male' | 'female'; province?: string }
  | { ok: false; reason: IdCheckFailure };

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

/** The check character for the first 17 digits. */
export function residentIdCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i]!;
  return CHECK[sum % 11]!;
}

export function checkResidentId(raw: string, today: Date): IdCheck {
  const id = raw.trim().toUpperCase();
  if (!/^\d{17}[\dX]$/.test(id)) return { ok: false, reason: 'id_format' };
  if (regionOfResidentId(id) === undefined) return { ok: false, reason: 'id_province' };
  const y = Number(id.slice(6, 10));
  const m = Number(id.slice(10, 12));
  const d = Number(id.slice(12, 14));
  const birth = new Date(Date.UTC(y, m - 1, d));
  if (
    y < 1900 ||
    birth.getUTCMonth() !== m - 1 ||
    birth.getUTCDate() !== d ||
    birth.getTime() > today.getTime()
  ) {
    return { ok: false, reason: 'id_birth_date' };
  }
  if (residentIdCheckChar(id.slice(0, 17)) !== id[17]) return { ok: false, reason: 'id_checksum' };
  return {
    ok: true,
    normalised: id,
    birthDate: `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`,
    sex: Number(id[16]) % 2 === 1 ? 'male' : 'female',
    province: id.slice(0, 2),
  };
}

export function checkIdDocument(type: IdType, raw: string, today: Date): IdCheck {
  if (type === 'cn_resident') return checkResidentId(raw, today);
  const id = raw.trim().toUpperCase();
  // Passports and permits: letters and digits only; their check digits are not public.
  if (!/^[A-Z0-9]{5,20}$/.test(id)) return { ok: false, reason: 'id_format' };
  return { ok: true, normalised: id };
}

/** Age in whole years on `on` (YYYY-MM-DD) for a birth date YYYY-MM-DD. */
export function ageOn(birthDate: string, on: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const [y, m, d] = on.split('-').map(Number) as [number, number, number];
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}
