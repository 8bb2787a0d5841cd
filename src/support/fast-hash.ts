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

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The low 48 bits of a hash as 8 characters; with several seeds, 8 characters each (one flat string). */
export function hash48(text: string, ...seeds: number[]): string {
  const codes: number[] = [];
  for (const seed of seeds.length > 0 ? seeds : [0]) {
    let value = cyrb53(text, seed);
    const start = codes.length;
    for (let i = 7; i >= 0; i--) {
      codes[start + i] = ALPHABET.charCodeAt(value % 64);
      value = Math.floor(value / 64);
    }
  }
  return String.fromCharCode(...codes);
}

/** A 48-bit digest of `hash48` as 6 characters of 8 bits (for compact storage); undefined if it is not one. */
export function digestToBytes(digest: string): string | undefined {
  if (digest.length !== 8) return undefined;
  let value = 0;
  for (let i = 0; i < 8; i++) {
    const sextet = ALPHABET.indexOf(digest[i]!);
    if (sextet < 0) return undefined;
    value = value * 64 + sextet;
  }
  const codes: number[] = [];
  for (let i = 5; i >= 0; i--) {
    codes[i] = value % 256;
    value = Math.floor(value / 256);
  }
  return String.fromCharCode(...codes);
}

/** The inverse of `digestToBytes`. */
export function digestFromBytes(bytes: string): string {
  let value = 0;
  for (let i = 0; i < bytes.length; i++) value = value * 256 + bytes.charCodeAt(i);
  const codes: number[] = [];
  for (let i = 7; i >= 0; i--) {
    codes[i] = ALPHABET.charCodeAt(value % 64);
    value = Math.floor(value / 64);
  }
  return String.fromCharCode(...codes);
}
