import { randomBytes, randomUUID } from 'node:crypto';

/**
 * UUIDv7: time-ordered, so order ids index and sort by creation without a second
 * column, and random enough not to be guessable.
 */
export function uuidv7(nowMs: number = Date.now()): string {
  const b = randomBytes(16);
  b.writeUIntBE(nowMs, 0, 6);
  b[6] = (b[6]! & 0x0f) | 0x70;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export const newId = randomUUID;

/** A random URL-safe secret of `bytes` bytes. */
export const secretToken = (bytes = 24) => randomBytes(bytes).toString('base64url');
