import { randomBytes, randomFillSync, randomUUID } from 'node:crypto';

let lastMs = 0;
let seq = 0;

/**
 * Random bytes drawn 4 KiB at a time: an order makes several ids, and one call into the
 * generator per id showed in bench:orders' profile (issue 19). Every byte is used once.
 */
const pool = Buffer.alloc(4096);
let poolAt = pool.length;
function random(n: number): Buffer {
  if (poolAt + n > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  poolAt += n;
  return pool.subarray(poolAt - n, poolAt);
}

/**
 * UUIDv7: time-ordered, so ids index and sort by creation without a second column,
 * and random enough not to be guessed. Within one millisecond a 12-bit counter (RFC
 * 9562 method 1) keeps the ids of this process strictly increasing, so the tickets of
 * one order list in the order they were written.
 */
export function uuidv7(nowMs: number = Date.now()): string {
  if (nowMs <= lastMs) {
    seq++;
    if (seq > 0xfff) {
      lastMs++;
      seq = 0;
    }
  } else {
    lastMs = nowMs;
    seq = random(2).readUInt16BE(0) & 0x7ff; // leave room to count up
  }
  // built in the pool's own bytes: they are used once, and turned into the string right here
  const b = random(16);
  b.writeUIntBE(lastMs, 0, 6);
  b[6] = 0x70 | (seq >> 8);
  b[7] = seq & 0xff;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export const newId = randomUUID;

/** A random URL-safe secret of `bytes` bytes. */
export const secretToken = (bytes = 24) => randomBytes(bytes).toString('base64url');
