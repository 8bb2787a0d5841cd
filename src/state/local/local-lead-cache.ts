import { cyrb53, hash48FromValue, hash48Value } from '../../support/fast-hash.js';
import type { Clock } from '../../tokens.js';
import type { LeadCache, LeadCacheEntry, LeadCacheSettings, LeadCacheUpdate, ListState } from '../lead-cache.js';
import { OffHeapLru } from './off-heap-lru.js';

/** Field names and list ids are numbered per cache, one byte each: a cache has at most this many. */
const MAX_NUMBERED = 200;
/** A field digest (48 bits) as the record holds it. */
const DIGEST_BYTES = 6;
const ADD = 1;
const REMOVE = 0;

/**
 * The lead cache in process memory: `maxEntries` entries at most, the least recently used
 * forgotten first, each expiring `ttlMs` after its last confirmed write. Entries live outside
 * the JavaScript heap (`OffHeapLru`), so a full cache neither slows the garbage collector nor
 * makes V8 grow the heap: `npm run bench` measures both the bytes per entry (steady state) and
 * what a backfill's peak RSS owes to the cache.
 *
 * A key is known by two hashes of it (85 bits: no two of a million keys are confused) and no
 * dedupe value is kept. The record of an entry is its field count, then per field its number
 * (fields and lists are numbered per cache) and the 6 bytes of its digest, then per list its
 * number and whether the last change was an add or a remove.
 */
export class LocalLeadCache implements LeadCache {
  private readonly entries: OffHeapLru;
  private readonly fieldNames: string[] = [];
  private readonly fieldNumbers = new Map<string, number>();
  private readonly listIds: number[] = [];
  private readonly listNumbers = new Map<number, number>();
  /** Where records are encoded before they are copied into the cache (grown as needed). */
  private scratch = new Uint8Array(256);

  constructor(
    private settings: LeadCacheSettings,
    private readonly now: Clock,
  ) {
    this.entries = new OffHeapLru(settings.maxEntries);
  }

  /** Plugins sharing the cache keep the largest size and the shortest lifetime asked for. */
  adjust(settings: LeadCacheSettings): void {
    this.settings = { maxEntries: Math.max(this.settings.maxEntries, settings.maxEntries), ttlMs: Math.min(this.settings.ttlMs, settings.ttlMs) };
    this.entries.setMaxEntries(this.settings.maxEntries);
  }

  get size(): number {
    return this.entries.size;
  }

  async read(keys: readonly string[]): Promise<Map<string, LeadCacheEntry>> {
    const found = new Map<string, LeadCacheEntry>();
    const now = this.now();
    for (const key of keys) {
      const entry = this.entries.find(slotOf(key), checkOf(key));
      if (entry < 0) continue;
      if (this.entries.expiresAt(entry) <= now) {
        this.entries.delete(entry);
      } else {
        this.entries.touch(entry);
        found.set(key, this.decode(entry));
      }
    }
    return found;
  }

  async record(updates: readonly LeadCacheUpdate[]): Promise<void> {
    const now = this.now();
    for (const update of updates) {
      const slot = slotOf(update.key);
      const check = checkOf(update.key);
      const existing = this.entries.find(slot, check);
      const same = existing >= 0 && this.entries.leadId(existing) === update.leadId && this.entries.expiresAt(existing) > now;
      const previous = same ? this.decode(existing) : undefined;
      const fields = new Map(previous?.fields);
      for (const [name, digest] of update.fields ?? []) fields.set(name, digest);
      const lists = new Map(previous?.lists);
      for (const [listId, state] of update.lists ?? []) lists.set(listId, state);
      this.entries.put(slot, check, update.leadId, now + this.settings.ttlMs, this.encode(fields, lists), existing);
    }
  }

  async forget(keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      const entry = this.entries.find(slotOf(key), checkOf(key));
      if (entry >= 0) this.entries.delete(entry);
    }
  }

  private encode(fields: ReadonlyMap<string, string>, lists: ReadonlyMap<number, ListState>): Uint8Array {
    const most = 1 + fields.size * (1 + DIGEST_BYTES) + lists.size * 2;
    if (this.scratch.length < most) this.scratch = new Uint8Array(most * 2);
    const out = this.scratch;
    let at = 1;
    let fieldCount = 0;
    for (const [name, digest] of fields) {
      const number = numbered(name, this.fieldNames, this.fieldNumbers);
      const value = hash48Value(digest);
      if (number === undefined || value === undefined) continue; // not cached: sent again next time
      out[at++] = number;
      for (let i = DIGEST_BYTES - 1, rest = value; i >= 0; i--, rest = Math.floor(rest / 256)) out[at + i] = rest % 256;
      at += DIGEST_BYTES;
      fieldCount++;
    }
    out[0] = fieldCount;
    for (const [listId, state] of lists) {
      const number = numbered(listId, this.listIds, this.listNumbers);
      if (number === undefined) continue;
      out[at++] = number;
      out[at++] = state === 'add' ? ADD : REMOVE;
    }
    return out.subarray(0, at);
  }

  private decode(entry: number): LeadCacheEntry {
    const record = this.entries.record(entry);
    const fields = new Map<string, string>();
    let at = 1;
    for (let i = 0; i < record[0]!; i++, at += 1 + DIGEST_BYTES) {
      let value = 0;
      for (let b = 1; b <= DIGEST_BYTES; b++) value = value * 256 + record[at + b]!;
      fields.set(this.fieldNames[record[at]!]!, hash48FromValue(value));
    }
    const lists = new Map<number, ListState>();
    for (; at + 1 < record.length; at += 2) lists.set(this.listIds[record[at]!]!, record[at + 1] === ADD ? 'add' : 'remove');
    return { leadId: this.entries.leadId(entry), fields, lists };
  }
}

/** The two hashes that name a key: 32 bits for the index, 53 more to tell keys of one slot apart. */
function slotOf(key: string): number {
  return cyrb53(key, 1) | 0;
}

function checkOf(key: string): number {
  return cyrb53(key, 2);
}

/** The number of a field name or list id; undefined past the first 200 (that one is then not cached). */
function numbered<T>(value: T, byNumber: T[], numbers: Map<T, number>): number | undefined {
  let number = numbers.get(value);
  if (number === undefined) {
    if (byNumber.length >= MAX_NUMBERED) return undefined;
    number = byNumber.push(value) - 1;
    numbers.set(value, number);
  }
  return number;
}
