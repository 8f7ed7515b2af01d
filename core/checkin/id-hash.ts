import { createHmac } from 'node:crypto';

/**
 * ID numbers in a gate's manifest are hashed with a key of that area-day only, derived
 * on the server from the platform lookup key. A gate can hash the ID card it reads and
 * find the ticket, but a stolen gate cannot test guesses against any other day, area,
 * or the central database (whose hashes use the platform key itself).
 */
export function deriveManifestKey(
  platformLookupHash: (value: string) => string,
  areaId: string,
  date: string,
): string {
  return platformLookupHash(`gate-manifest:${areaId}:${date}`);
}

/** Normalises an ID number the way the platform's lookup hash does (trimmed, upper case). */
export function normaliseIdNumber(id: string): string {
  return id.trim().toUpperCase();
}

export function manifestIdHash(manifestKey: string, idNumber: string): string {
  return createHmac('sha256', manifestKey)
    .update(`id:${normaliseIdNumber(idNumber)}`)
    .digest('base64url')
    .slice(0, 32);
}

/** NFC/IC card UIDs: hex, upper case, no separators. */
export function normaliseCardUid(uid: string): string {
  return uid.replace(/[^0-9a-f]/gi, '').toUpperCase();
}
