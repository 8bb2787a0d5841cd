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
/** The length of every `hash48` digest. */
export const HASH48_DIGITS = 8;

/** The low 48 bits of a hash as 8 base-64 characters (URL alphabet), most significant first. */
export function hash48(text: string): string {
  return hash48FromValue(cyrb53(text));
}

/** The 48-bit number a `hash48` digest stands for, to store it in 6 bytes; undefined if it is not one. */
export function hash48Value(digest: string): number | undefined {
  if (digest.length !== HASH48_DIGITS) return undefined;
  let value = 0;
  for (let i = 0; i < HASH48_DIGITS; i++) {
    const digit = BASE64URL.indexOf(digest[i]!);
    if (digit < 0) return undefined;
    value = value * 64 + digit;
  }
  return value;
}

/** The inverse of `hash48Value`: the low 48 bits of `value` as 8 base-64 characters. */
export function hash48FromValue(value: number): string {
  const codes: number[] = new Array<number>(HASH48_DIGITS);
  for (let i = HASH48_DIGITS - 1; i >= 0; i--) {
    codes[i] = BASE64URL.charCodeAt(value % 64);
    value = Math.floor(value / 64);
  }
  return String.fromCharCode(...codes);
}
