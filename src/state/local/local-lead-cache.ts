import { hash48 } from '../../support/fast-hash.js';
import type { Clock } from '../../tokens.js';
import type { LeadCache, LeadCacheEntry, LeadCacheSettings, LeadCacheUpdate, ListState } from '../lead-cache.js';

/** Field names and list ids are numbered per cache, one character each: a cache has at most this many. */
const MAX_NUMBERED = 200;
const FIRST_CODE = 0x30;
const SEPARATOR = '|'.charCodeAt(0);
const DIGEST_CHARS = 8;

/**
 * The lead cache in process memory: `maxEntries` entries at most, the least recently used
 * forgotten first, each expiring `ttlMs` after its last confirmed write. Compact by design —
 * about 150 bytes an entry: the key is 96 bits of hash (16 characters, not the dedupe value),
 * the entry one flat string — lead id and expiry in base 36, then one character per field or
 * list (numbered per cache) followed by its 8-character digest or `a`/`r`.
 *
 * The LRU keeps two generations of half the size: a hit in the old one moves to the new one,
 * and when the new one is full the old one is dropped whole — eviction costs nothing per entry
 * (deleting Map entries one by one from the front gets slower and slower in V8).
 */
export class LocalLeadCache implements LeadCache {
  private current = new Map<string, string>();
  private previous = new Map<string, string>();
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
      const hashed = keyOf(key);
      const encoded = this.lookup(hashed);
      if (encoded === undefined) continue;
      const entry = this.decode(encoded);
      if (entry.expiresAt <= now) this.delete(hashed);
      else found.set(key, entry);
    }
    return found;
  }

  async record(updates: readonly LeadCacheUpdate[]): Promise<void> {
    const now = this.now();
    for (const update of updates) {
      const hashed = keyOf(update.key);
      const existing = this.lookup(hashed);
      const previous = existing === undefined ? undefined : this.decode(existing);
      const same = previous !== undefined && previous.leadId === update.leadId && previous.expiresAt > now;
      const fields = new Map(same ? previous.fields : []);
      for (const [name, digest] of update.fields ?? []) fields.set(name, digest);
      const lists = new Map(same ? previous.lists : []);
      for (const [listId, state] of update.lists ?? []) lists.set(listId, state);
      this.store(hashed, this.encode(update.leadId, now + this.settings.ttlMs, fields, lists));
    }
  }

  async forget(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.delete(keyOf(key));
  }

  private lookup(hashed: string): string | undefined {
    const fresh = this.current.get(hashed);
    if (fresh !== undefined) return fresh;
    const old = this.previous.get(hashed);
    if (old !== undefined) {
      this.previous.delete(hashed);
      this.store(hashed, old);
    }
    return old;
  }

  private store(hashed: string, encoded: string): void {
    this.previous.delete(hashed);
    this.current.set(hashed, encoded);
    if (this.current.size >= Math.max(1, Math.floor(this.settings.maxEntries / 2))) {
      this.previous = this.current;
      this.current = new Map();
    }
  }

  private delete(hashed: string): void {
    this.current.delete(hashed);
    this.previous.delete(hashed);
  }

  private encode(leadId: number, expiresAt: number, fields: ReadonlyMap<string, string>, lists: ReadonlyMap<number, ListState>): string {
    const parts = [leadId.toString(36), '|', Math.ceil(expiresAt / 1000).toString(36), '|'];
    for (const [name, digest] of fields) {
      const number = numbered(name, this.fieldNames, this.fieldNumbers);
      if (number !== undefined && digest.length === DIGEST_CHARS) parts.push(number, digest);
    }
    parts.push('|');
    for (const [listId, state] of lists) {
      const number = numbered(listId, this.listIds, this.listNumbers);
      if (number !== undefined) parts.push(number, state === 'add' ? 'a' : 'r');
    }
    // join() makes one flat string; a template literal would keep a tree of pieces alive.
    return parts.join('');
  }

  private decode(encoded: string): LeadCacheEntry & { expiresAt: number } {
    const [lead = '', expires = '', fieldPart = '', listPart = ''] = encoded.split('|');
    const fields = new Map<string, string>();
    for (let i = 0; i + DIGEST_CHARS < fieldPart.length; i += DIGEST_CHARS + 1) {
      fields.set(this.fieldNames[charNumber(fieldPart.charCodeAt(i))]!, fieldPart.slice(i + 1, i + 1 + DIGEST_CHARS));
    }
    const lists = new Map<number, ListState>();
    for (let i = 0; i + 1 < listPart.length; i += 2) {
      lists.set(this.listIds[charNumber(listPart.charCodeAt(i))]!, listPart[i + 1] === 'a' ? 'add' : 'remove');
    }
    return { leadId: parseInt(lead, 36), expiresAt: parseInt(expires, 36) * 1000, fields, lists };
  }
}

/** 96 bits of hash, as 16 characters: no two of a million keys share one. */
function keyOf(key: string): string {
  return hash48(key, 1, 2);
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
