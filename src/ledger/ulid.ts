import { randomBytes } from 'node:crypto';

/** Crockford base32: ULIDs sort as strings in time order. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_LEN = 10;
const RANDOM_LEN = 16;

let lastTime = -1;
let lastRandom: number[] = [];

function encodeTime(ms: number): string {
  let out = '';
  let t = ms;
  for (let i = 0; i < TIME_LEN; i++) {
    out = ALPHABET[t % 32]! + out;
    t = Math.floor(t / 32);
  }
  return out;
}

function freshRandom(): number[] {
  const bytes = randomBytes(RANDOM_LEN);
  return [...bytes].map((b) => b % 32);
}

/** Increments the 80-bit random part in place; false when it overflows. */
function increment(digits: number[]): boolean {
  for (let i = digits.length - 1; i >= 0; i--) {
    if (digits[i]! < 31) {
      digits[i] = digits[i]! + 1;
      return true;
    }
    digits[i] = 0;
  }
  return false;
}

/**
 * A ULID (26 chars: 48-bit ms time + 80 random bits). Monotonic within a process: two ids
 * made in the same millisecond (or with the clock stepping back) still sort in call order,
 * which keeps the ledger's `time then id` order equal to the order of writes.
 *
 * @example ulid(Date.parse('2026-01-01T00:00:00Z')) // '01KDX…'
 */
export function ulid(now: number = Date.now()): string {
  if (!Number.isSafeInteger(now) || now < 0 || now > 2 ** 48 - 1)
    throw new RangeError(`ulid: bad time ${now}`);
  if (now <= lastTime) {
    if (increment(lastRandom))
      return encodeTime(lastTime) + lastRandom.map((d) => ALPHABET[d]).join('');
    lastTime += 1; // the random part overflowed: borrow the next millisecond
  } else {
    lastTime = now;
  }
  lastRandom = freshRandom();
  // Leave headroom so increments within one millisecond rarely overflow.
  lastRandom[0] = lastRandom[0]! & 0x0f;
  return encodeTime(lastTime) + lastRandom.map((d) => ALPHABET[d]).join('');
}

/** The millisecond timestamp encoded in a ULID, or undefined when it is not one. */
export function ulidTime(id: string): number | undefined {
  if (!/^[0-9A-HJKMNP-TV-Z]{26}$/.test(id)) return undefined;
  let t = 0;
  for (const ch of id.slice(0, TIME_LEN)) t = t * 32 + ALPHABET.indexOf(ch);
  return t;
}
