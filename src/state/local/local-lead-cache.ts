import { cyrb53, digestFromBytes, digestToBytes, toDigits } from '../../support/fast-hash.js';
import type { Clock } from '../../tokens.js';
import type { LeadCache, LeadCacheEntry, LeadCacheSettings, LeadCacheUpdate, ListState } from '../lead-cache.js';

/** Field names and list ids are numbered per cache, one character each: a cache has at most this many. */
const MAX_NUMBERED = 200;
const FIRST_CODE = 0x30;
const SEPARATOR = '|'.charCodeAt(0);
/** A field digest (48 bits) as the entry holds it: 6 characters of 8 bits. */
const DIGEST_BYTES = 6;
/** The part of the key's hash that the entry holds, to tell its key from another of the same slot. */
const CHECK_CHARS = 6;

/**
 * The lead cache in process memory: `maxEntries` entries at most, the least recently used
 * forgotten first, each expiring `ttlMs` after its last confirmed write. Compact by design
 * (`npm run bench`, steady state, measures it): an entry is one number and one flat string.
 * The number is the slot: 32 bits of the key's hash, which V8 keeps inside the Map's table
 * rather than as a string of its own. The string starts with 48 more bits of that hash, so a
 * key that lands in another key's slot is told apart (a miss, and the newer write takes the
 * slot: a cache forgets, it never answers for the wrong lead); then lead id and expiry in base
 * 36, the number of fields, and one character per field or list (numbered per cache) followed
 * by the field's digest in 6 bytes, or by `a`/`r`. No dedupe value is kept, only hashes of it.
 *
 * The LRU is exact and holds `maxEntries` once full, in two generations: entries are written
 * to the end of the new one, a hit moves to its end (from either), and each write past `maxEntries`
 * evicts the oldest of the old generation through one iterator that lives as long as that
 * generation. When the old generation is empty, the new one becomes old. Each entry is thus
 * passed over once, however many are evicted (looking for a Map's first entry again after
 * each eviction skips every deleted one before it, slower and slower in V8).
 */
export class LocalLeadCache implements LeadCache {
  private current = new Map<number, string>();
  private previous = new Map<number, string>();
  /** The old generation's slots, oldest first: where the next eviction starts. */
  private evictionOrder: Iterator<number> = this.previous.keys();
  private readonly fieldNames: string[] = [];
  private readonly fieldNumbers = new Map<string, number>();
  private readonly listIds: number[] = [];
  private readonly listNumbers = new Map<number, number>();

  constructor(
    private settings: LeadCacheSettings,
    private readonly now: Clock,
  ) {}

  /** Plugins sharing the cache keep the largest size and the shortest lifetime asked for. */
  adjust(settings: LeadCacheSettings): void {
    this.settings = { maxEntries: Math.max(this.settings.maxEntries, settings.maxEntries), ttlMs: Math.min(this.settings.ttlMs, settings.ttlMs) };
  }

  get size(): number {
    return this.current.size + this.previous.size;
  }

  async read(keys: readonly string[]): Promise<Map<string, LeadCacheEntry>> {
    const found = new Map<string, LeadCacheEntry>();
    const now = this.now();
    for (const key of keys) {
      const { slot, check } = addressOf(key);
      const encoded = this.peek(slot, check);
      if (encoded === undefined) continue;
      const entry = this.decode(encoded);
      if (entry.expiresAt <= now) {
        this.delete(slot);
      } else {
        this.store(slot, encoded);
        found.set(key, entry);
      }
    }
    return found;
  }

  async record(updates: readonly LeadCacheUpdate[]): Promise<void> {
    const now = this.now();
    for (const update of updates) {
      const { slot, check } = addressOf(update.key);
      const existing = this.peek(slot, check);
      const previous = existing === undefined ? undefined : this.decode(existing);
      const same = previous !== undefined && previous.leadId === update.leadId && previous.expiresAt > now;
      const fields = new Map(same ? previous.fields : []);
      for (const [name, digest] of update.fields ?? []) fields.set(name, digest);
      const lists = new Map(same ? previous.lists : []);
      for (const [listId, state] of update.lists ?? []) lists.set(listId, state);
      this.store(slot, this.encode(check, update.leadId, now + this.settings.ttlMs, fields, lists));
    }
  }

  async forget(keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      const { slot, check } = addressOf(key);
      if (this.peek(slot, check) !== undefined) this.delete(slot);
    }
  }

  /** The entry of this key, if its slot holds this key's and not another's. */
  private peek(slot: number, check: string): string | undefined {
    const encoded = this.current.get(slot) ?? this.previous.get(slot);
    return encoded !== undefined && encoded.startsWith(check) ? encoded : undefined;
  }

  /** Writes the slot as the most recently used, evicting the least recently used past maxEntries. */
  private store(slot: number, encoded: string): void {
    this.previous.delete(slot);
    // Deleted first so that the slot moves to the end of the generation's order.
    this.current.delete(slot);
    this.current.set(slot, encoded);
    while (this.size > Math.max(1, this.settings.maxEntries)) this.evictOldest();
  }

  private evictOldest(): void {
    if (this.previous.size === 0) {
      this.previous = this.current;
      this.current = new Map();
      this.evictionOrder = this.previous.keys();
    }
    // The iterator skips slots deleted since it was made (hits moved to the new generation).
    const oldest = this.evictionOrder.next();
    if (!oldest.done) this.previous.delete(oldest.value);
  }

  private delete(slot: number): void {
    this.current.delete(slot);
    this.previous.delete(slot);
  }

  private encode(check: string, leadId: number, expiresAt: number, fields: ReadonlyMap<string, string>, lists: ReadonlyMap<number, ListState>): string {
    const fieldParts: string[] = [];
    for (const [name, digest] of fields) {
      const number = numbered(name, this.fieldNames, this.fieldNumbers);
      const bytes = digestToBytes(digest);
      if (number !== undefined && bytes !== undefined) fieldParts.push(number, bytes);
    }
    const parts = [check, leadId.toString(36), '|', Math.ceil(expiresAt / 1000).toString(36), '|', String.fromCharCode(fieldParts.length / 2), ...fieldParts];
    for (const [listId, state] of lists) {
      const number = numbered(listId, this.listIds, this.listNumbers);
      if (number !== undefined) parts.push(number, state === 'add' ? 'a' : 'r');
    }
    // join() makes one flat string; a template literal would keep a tree of pieces alive.
    return parts.join('');
  }

  /** Reads an entry by position: digests are raw bytes, so no separator can be searched past them. */
  private decode(encoded: string): LeadCacheEntry & { expiresAt: number } {
    const leadEnd = encoded.indexOf('|', CHECK_CHARS);
    const expiresEnd = encoded.indexOf('|', leadEnd + 1);
    const fieldCount = encoded.charCodeAt(expiresEnd + 1);
    const fields = new Map<string, string>();
    let at = expiresEnd + 2;
    for (let i = 0; i < fieldCount; i++, at += 1 + DIGEST_BYTES) {
      fields.set(this.fieldNames[charNumber(encoded.charCodeAt(at))]!, digestFromBytes(encoded.slice(at + 1, at + 1 + DIGEST_BYTES)));
    }
    const lists = new Map<number, ListState>();
    for (; at + 1 < encoded.length; at += 2) {
      lists.set(this.listIds[charNumber(encoded.charCodeAt(at))]!, encoded[at + 1] === 'a' ? 'add' : 'remove');
    }
    return {
      leadId: parseInt(encoded.slice(CHECK_CHARS, leadEnd), 36),
      expiresAt: parseInt(encoded.slice(leadEnd + 1, expiresEnd), 36) * 1000,
      fields,
      lists,
    };
  }
}

/**
 * Where a key lives: its slot, 32 bits of one hash as a small integer, and its check, 48 bits
 * of another as 6 characters — 80 bits in all, so that no two of a million keys are confused.
 */
function addressOf(key: string): { slot: number; check: string } {
  return { slot: cyrb53(key, 1) | 0, check: toDigits(cyrb53(key, 2), CHECK_CHARS, 256) };
}

/** One character for a number, skipping `|` (the entry's separator). */
function numberChar(number: number): string {
  const code = FIRST_CODE + number;
  return String.fromCharCode(code >= SEPARATOR ? code + 1 : code);
}

function charNumber(char: number): number {
  return (char > SEPARATOR ? char - 1 : char) - FIRST_CODE;
}

/** The one-character number of a field name or list id; undefined past the first 200 (that one is then not cached). */
function numbered<T>(value: T, byNumber: T[], numbers: Map<T, number>): string | undefined {
  let number = numbers.get(value);
  if (number === undefined) {
    if (byNumber.length >= MAX_NUMBERED) return undefined;
    number = byNumber.push(value) - 1;
    numbers.set(value, number);
  }
  return numberChar(number);
}
