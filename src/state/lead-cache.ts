import { createHash } from 'node:crypto';

/** The last confirmed change of a lead's membership in one static list. */
export type ListState = 'add' | 'remove';

/**
 * What the plugin last confirmed writing for one dedupe value (SPEC §8.2): the lead id, a
 * digest of each field value written, and per list whether the last confirmed change was an
 * add or a remove. Digests, not values: the cache holds no personal data beyond its key, and
 * the key itself is a hash.
 */
export interface LeadCacheEntry {
  leadId: number;
  fields: ReadonlyMap<string, string>;
  lists: ReadonlyMap<number, ListState>;
}

/** A confirmed write to remember. An update for another lead id replaces the entry. */
export interface LeadCacheUpdate {
  key: string;
  leadId: number;
  fields?: ReadonlyMap<string, string>;
  lists?: ReadonlyMap<number, ListState>;
}

export interface LeadCache {
  /** The live entries of `keys` (expired and unknown ones are absent). */
  read(keys: readonly string[]): Promise<Map<string, LeadCacheEntry>>;
  record(updates: readonly LeadCacheUpdate[]): Promise<void>;
  forget(keys: readonly string[]): Promise<void>;
}

export interface LeadCacheSettings {
  maxEntries: number;
  ttlMs: number;
}

/** A digest of a field value: 48 bits, enough that a changed value is never taken for the old one. */
export function fieldDigest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 8);
}

/** The key of a dedupe value, hashed: what the caches store instead of the value. */
export function hashedKey(key: string, length: number): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, length);
}

/** The cache when the host turned it off (`leadCache: false`): remembers nothing. */
export const NO_LEAD_CACHE: LeadCache = {
  read: async () => new Map(),
  record: async () => {},
  forget: async () => {},
};
