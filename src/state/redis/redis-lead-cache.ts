import { hashedKey, type LeadCache, type LeadCacheEntry, type LeadCacheSettings, type LeadCacheUpdate, type ListState } from '../lead-cache.js';
import type { RedisConnection } from './redis-connection.js';

const PER_PIPELINE = 1_000;

/**
 * The lead cache shared by every process: one Redis hash per dedupe value (under a hash of the
 * value), expiring `ttlMs` after its last confirmed write. `maxEntries` does not apply: Redis
 * memory is the host's to size, and every entry expires.
 */
export class RedisLeadCache implements LeadCache {
  constructor(
    private readonly redis: RedisConnection,
    private readonly settings: LeadCacheSettings,
  ) {}

  async read(keys: readonly string[]): Promise<Map<string, LeadCacheEntry>> {
    const found = new Map<string, LeadCacheEntry>();
    for (let i = 0; i < keys.length; i += PER_PIPELINE) {
      const part = keys.slice(i, i + PER_PIPELINE);
      const answers = await this.redis.command((redis) => {
        const pipeline = redis.pipeline();
        for (const key of part) pipeline.hgetall(this.redisKey(key));
        return pipeline.exec();
      });
      part.forEach((key, j) => {
        const [error, hash] = answers?.[j] ?? [];
        const entry = error ? undefined : decode(hash as Record<string, string>);
        if (entry) found.set(key, entry);
      });
    }
    return found;
  }

  async record(updates: readonly LeadCacheUpdate[]): Promise<void> {
    for (let i = 0; i < updates.length; i += PER_PIPELINE) {
      const part = updates.slice(i, i + PER_PIPELINE);
      await this.redis.command((redis) => {
        const pipeline = redis.pipeline() as unknown as Record<'leadCacheRecord', (...args: Array<string | number>) => unknown> & { exec(): Promise<unknown> };
        for (const update of part) {
          const pairs = [
            ...[...(update.fields ?? [])].flatMap(([name, digest]) => [`f:${name}`, digest]),
            ...[...(update.lists ?? [])].flatMap(([listId, state]) => [`l:${listId}`, state === 'add' ? 'a' : 'r']),
          ];
          pipeline.leadCacheRecord(this.redisKey(update.key), String(update.leadId), this.settings.ttlMs, ...pairs);
        }
        return pipeline.exec();
      });
    }
  }

  async forget(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += PER_PIPELINE) {
      const part = keys.slice(i, i + PER_PIPELINE).map((key) => this.redisKey(key));
      if (part.length > 0) await this.redis.command((redis) => redis.del(...part));
    }
  }

  private redisKey(key: string): string {
    return `${this.redis.keyPrefix}lead:${hashedKey(key)}`;
  }
}

function decode(hash: Record<string, string> | undefined): LeadCacheEntry | undefined {
  if (!hash || hash.id === undefined) return undefined;
  const leadId = Number(hash.id);
  if (!Number.isSafeInteger(leadId)) return undefined;
  const fields = new Map<string, string>();
  const lists = new Map<number, ListState>();
  for (const [name, value] of Object.entries(hash)) {
    if (name.startsWith('f:')) fields.set(name.slice(2), value);
    else if (name.startsWith('l:')) lists.set(Number(name.slice(2)), value === 'a' ? 'add' : 'remove');
  }
  return { leadId, fields, lists };
}
