import type { Clock } from '../../tokens.js';
import { hashedKey, type LeadCache, type LeadCacheEntry, type LeadCacheSettings, type LeadCacheUpdate, type ListState } from '../lead-cache.js';

/** 96 bits of SHA-256: no two of a million keys share one. */
const KEY_CHARS = 16;

/**
 * The lead cache in process memory: an LRU of `maxEntries` whose entries expire `ttlMs` after
 * their last confirmed write. Each entry is one short string — lead id, expiry, interned field
 * and list numbers with their digests — under a hashed key, so that a million entries fit in
 * about a hundred and fifty megabytes.
 */
export class LocalLeadCache implements LeadCache {
  /** Map order is recency: the first entry is the least recently used. */
  private readonly entries = new Map<string, string>();
  private readonly fieldNames: string[] = [];
  private readonly fieldNumbers = new Map<string, number>();

  constructor(
    private settings: LeadCacheSettings,
    private readonly now: Clock,
  ) {}

  /** Plugins sharing the cache keep the largest size and the shortest lifetime asked for. */
  adjust(settings: LeadCacheSettings): void {
    this.settings = { maxEntries: Math.max(this.settings.maxEntries, settings.maxEntries), ttlMs: Math.min(this.settings.ttlMs, settings.ttlMs) };
  }

  get size(): number {
    return this.entries.size;
  }

  async read(keys: readonly string[]): Promise<Map<string, LeadCacheEntry>> {
    const found = new Map<string, LeadCacheEntry>();
    const now = this.now();
    for (const key of keys) {
      const hashed = hashedKey(key, KEY_CHARS);
      const encoded = this.entries.get(hashed);
      if (encoded === undefined) continue;
      const entry = this.decode(encoded);
      if (entry.expiresAt <= now) {
        this.entries.delete(hashed);
        continue;
      }
      this.entries.delete(hashed);
      this.entries.set(hashed, encoded);
      found.set(key, entry);
    }
    return found;
  }

  async record(updates: readonly LeadCacheUpdate[]): Promise<void> {
    const now = this.now();
    for (const update of updates) {
      const hashed = hashedKey(update.key, KEY_CHARS);
      const existing = this.entries.get(hashed);
      const previous = existing === undefined ? undefined : this.decode(existing);
      const same = previous !== undefined && previous.leadId === update.leadId && previous.expiresAt > now;
      const fields = new Map(same ? previous.fields : []);
      for (const [name, digest] of update.fields ?? []) fields.set(name, digest);
      const lists = new Map(same ? previous.lists : []);
      for (const [listId, state] of update.lists ?? []) lists.set(listId, state);
      this.entries.delete(hashed);
      this.entries.set(hashed, this.encode(update.leadId, now + this.settings.ttlMs, fields, lists));
    }
    while (this.entries.size > this.settings.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  async forget(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.entries.delete(hashedKey(key, KEY_CHARS));
  }

  /** `leadId|expiresAtSeconds|field=digest,…|listId=a,…` with numbers in base 36 and fields by number. */
  private encode(leadId: number, expiresAt: number, fields: ReadonlyMap<string, string>, lists: ReadonlyMap<number, ListState>): string {
    const fieldPart = [...fields].map(([name, digest]) => `${this.fieldNumber(name).toString(36)}=${digest}`).join(',');
    const listPart = [...lists].map(([listId, state]) => `${listId.toString(36)}=${state === 'add' ? 'a' : 'r'}`).join(',');
    return `${leadId.toString(36)}|${Math.ceil(expiresAt / 1000).toString(36)}|${fieldPart}|${listPart}`;
  }

  private decode(encoded: string): LeadCacheEntry & { expiresAt: number } {
    const [lead = '', expires = '', fieldPart = '', listPart = ''] = encoded.split('|');
    const fields = new Map<string, string>();
    for (const item of fieldPart === '' ? [] : fieldPart.split(',')) {
      const [number = '', digest = ''] = item.split('=');
      fields.set(this.fieldNames[parseInt(number, 36)]!, digest);
    }
    const lists = new Map<number, ListState>();
    for (const item of listPart === '' ? [] : listPart.split(',')) {
      const [listId = '', state] = item.split('=');
      lists.set(parseInt(listId, 36), state === 'a' ? 'add' : 'remove');
    }
    return { leadId: parseInt(lead, 36), expiresAt: parseInt(expires, 36) * 1000, fields, lists };
  }

  private fieldNumber(name: string): number {
    let number = this.fieldNumbers.get(name);
    if (number === undefined) {
      number = this.fieldNames.push(name) - 1;
      this.fieldNumbers.set(name, number);
    }
    return number;
  }
}
