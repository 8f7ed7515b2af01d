import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';

/**
 * The QR payload: one ticket, one code, verifiable offline.
 *
 * Layout (then base64url, prefixed "SC1."), all integers big-endian:
 *   u8  version (=2; version 1 had no expiry field)
 *   u8  kid length, kid (utf8)           signing key id, for rotation
 *   16  ticket id (uuid bytes)
 *   u8  area length, area id (utf8)
 *   u32 visit date as YYYYMMDD (0 = open-dated)
 *   u16 slot start, u16 slot end          minutes after local midnight
 *   u32 valid until as YYYYMMDD (0 = none) version 2: an open-dated ticket's last day (17.12)
 *   u8  product length, product id (utf8)
 *   u8  entries allowed
 *   64  Ed25519 signature over every byte before it
 * Binary rather than JSON keeps the QR small (≈150 chars), which scanners read faster.
 */
export interface TicketClaims {
  kid: string;
  ticketId: string;
  areaId: string;
  /** YYYY-MM-DD, or null for an open-dated ticket. */
  date: string | null;
  /**
   * The last local day the ticket admits (YYYY-MM-DD): an open-dated ticket's visit date
   * plus its product's validity days. null on a date-bound ticket and on version-1 tokens
   * (those admit only when a current manifest lists them, see gate/state.ts).
   */
  validUntil: string | null;
  slotStartMin: number;
  slotEndMin: number;
  productId: string;
  entriesAllowed: number;
}

export type TokenFailure = 'malformed' | 'unsupported_version' | 'unknown_key' | 'bad_signature';
export type ParsedToken = { ok: true; claims: TicketClaims } | { ok: false; reason: TokenFailure };

export const TOKEN_PREFIX = 'SC1.';
const VERSION = 2;
const V1 = 1;
const SIG_LEN = 64;

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** Public keys by kid, as a gate holds them. */
export type PublicKeys = ReadonlyMap<string, KeyObject>;

export function generateSigningKey(kid: string): SigningKey & { publicRaw: string; privateRaw: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  return { kid, publicKey, privateKey, publicRaw: jwk.x!, privateRaw: jwk.d! };
}

/** Imports a raw base64url Ed25519 public key (JWK `x`). */
export function importPublicKey(x: string): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
}

export function importPrivateKey(x: string, d: string): KeyObject {
  return createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', x, d }, format: 'jwk' });
}

function uuidToBytes(id: string): Buffer {
  const hex = id.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new Error(`not a uuid: ${id}`);
  return Buffer.from(hex, 'hex');
}

function bytesToUuid(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function shortString(s: string, what: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  if (b.length > 255) throw new Error(`${what} too long for a ticket token`);
  return Buffer.concat([Buffer.from([b.length]), b]);
}

const ymdOf = (d: string | null | undefined): number => (d ? Number(d.replace(/-/g, '')) : 0);

function dateOf(ymd: number): string | null {
  if (ymd === 0) return null;
  const ds = String(ymd).padStart(8, '0');
  return `${ds.slice(0, 4)}-${ds.slice(4, 6)}-${ds.slice(6, 8)}`;
}

/** Signs a ticket. `validUntil` may be left out (date-bound tickets carry none). */
export function signTicket(
  key: SigningKey,
  c: Omit<TicketClaims, 'kid' | 'validUntil'> & { validUntil?: string | null },
): string {
  const fixed = Buffer.alloc(12);
  fixed.writeUInt32BE(ymdOf(c.date), 0);
  fixed.writeUInt16BE(c.slotStartMin, 4);
  fixed.writeUInt16BE(c.slotEndMin, 6);
  fixed.writeUInt32BE(ymdOf(c.validUntil), 8);
  const body = Buffer.concat([
    Buffer.from([VERSION]),
    shortString(key.kid, 'kid'),
    uuidToBytes(c.ticketId),
    shortString(c.areaId, 'area id'),
    fixed,
    shortString(c.productId, 'product id'),
    Buffer.from([Math.min(255, c.entriesAllowed)]),
  ]);
  const sig = sign(null, body, key.privateKey);
  return TOKEN_PREFIX + Buffer.concat([body, sig]).toString('base64url');
}

/** Decodes and verifies a scanned token. Never throws: anything odd is a failure reason. */
export function verifyTicket(token: string, keys: PublicKeys): ParsedToken {
  if (typeof token !== 'string' || !token.startsWith(TOKEN_PREFIX) || token.length > 1024)
    return { ok: false, reason: 'malformed' };
  const raw = Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url');
  if (raw.length < 1 + 1 + 16 + 1 + 8 + 1 + 1 + SIG_LEN) return { ok: false, reason: 'malformed' };
  if (raw[0] !== VERSION && raw[0] !== V1) return { ok: false, reason: 'unsupported_version' };
  const fixedLen = raw[0] === V1 ? 8 : 12;
  let p = 1;
  const str = (): string | undefined => {
    const len = raw[p];
    if (len === undefined || p + 1 + len > raw.length - SIG_LEN) return undefined;
    const s = raw.toString('utf8', p + 1, p + 1 + len);
    p += 1 + len;
    return s;
  };
  const kid = str();
  if (kid === undefined || p + 16 > raw.length - SIG_LEN) return { ok: false, reason: 'malformed' };
  const ticketId = bytesToUuid(raw.subarray(p, p + 16));
  p += 16;
  const areaId = str();
  if (areaId === undefined || p + fixedLen > raw.length - SIG_LEN) return { ok: false, reason: 'malformed' };
  const ymd = raw.readUInt32BE(p);
  const slotStartMin = raw.readUInt16BE(p + 4);
  const slotEndMin = raw.readUInt16BE(p + 6);
  const until = fixedLen === 12 ? raw.readUInt32BE(p + 8) : 0;
  p += fixedLen;
  const productId = str();
  if (productId === undefined || p + 1 !== raw.length - SIG_LEN) return { ok: false, reason: 'malformed' };
  const entriesAllowed = raw[p]!;
  p += 1;
  const key = keys.get(kid);
  if (!key) return { ok: false, reason: 'unknown_key' };
  if (!verify(null, raw.subarray(0, p), key, raw.subarray(p))) return { ok: false, reason: 'bad_signature' };
  return {
    ok: true,
    claims: {
      kid,
      ticketId,
      areaId,
      date: dateOf(ymd),
      validUntil: dateOf(until),
      slotStartMin,
      slotEndMin,
      productId,
      entriesAllowed,
    },
  };
}
