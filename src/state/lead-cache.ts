import { createHash } from 'node:crypto';
import { hash48 } from '../support/fast-hash.js';

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
  return hash48(JSON.stringify(value));
}

/** The key of a dedupe value as Redis stores it: SHA-256, never the value. */
export function hashedKey(key: string): string {
  return createHash('sha256').update(key).digest('base64url');
}

/** The cache when the host turned it off (`leadCache: false`): remembers nothing. */
export const NO_LEAD_CACHE: LeadCache = {
  read: async () => new Map(),
  record: async () => {},
  forget: async () => {},
};
