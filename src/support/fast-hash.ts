/**
 * cyrb53 (bryc, public domain): a fast 53-bit string hash with good spread — not a cryptographic
 * hash. Used where SHA-256 cost more than it protected: digests of field values (is this the
 * value last written?) and in-memory cache keys. What leaves the process (Redis keys) is hashed
 * with SHA-256 instead.
 */
export function cyrb53(text: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The low `count` digits of `value` in base 64 (URL alphabet) or 256 (one 8-bit character each), most significant first. */
export function toDigits(value: number, count: number, base: 64 | 256): string {
  const codes: number[] = new Array<number>(count);
  for (let i = count - 1; i >= 0; i--) {
    const digit = value % base;
    codes[i] = base === 64 ? BASE64URL.charCodeAt(digit) : digit;
    value = Math.floor(value / base);
  }
  return String.fromCharCode(...codes);
}

/** The number `toDigits` wrote; undefined if a character is not a digit of that base. */
export function fromDigits(digits: string, base: 64 | 256): number | undefined {
  let value = 0;
  for (let i = 0; i < digits.length; i++) {
    const digit = base === 64 ? BASE64URL.indexOf(digits[i]!) : digits.charCodeAt(i);
    if (digit < 0 || digit >= base) return undefined;
    value = value * base + digit;
  }
  return value;
}

/** The low 48 bits of a hash as 8 characters. */
export function hash48(text: string): string {
  return toDigits(cyrb53(text), 8, 64);
}

/** A 48-bit digest of `hash48` as 6 characters of 8 bits (for compact storage); undefined if it is not one. */
export function digestToBytes(digest: string): string | undefined {
  const value = digest.length === 8 ? fromDigits(digest, 64) : undefined;
  return value === undefined ? undefined : toDigits(value, 6, 256);
}

/** The inverse of `digestToBytes`. */
export function digestFromBytes(bytes: string): string {
  return toDigits(fromDigits(bytes, 256)!, 8, 64);
}
