import { createHash, randomUUID } from 'node:crypto';
import type { WriteLease, WriteLocks } from '../shared-state.js';
import type { LeaseRenewer } from './lease-renewer.js';
import type { RedisConnection } from './redis-connection.js';

/** Keys per script call: a delivery may lock thousands of values. */
const KEYS_PER_SCRIPT = 500;

/**
 * Per-dedupe-value write locks shared by every process: SET NX with a lifetime, renewed while
 * held, released by their owner only. The key is a hash of the value, never the value.
 */
export class RedisWriteLocks implements WriteLocks {
  constructor(
    private readonly redis: RedisConnection,
    private readonly renewer: LeaseRenewer,
    private readonly lockTtlMs: number,
  ) {}

  async tryAcquire(keys: readonly string[]): Promise<{ lease: WriteLease; busy: string[] }> {
    const wanted = [...new Set(keys)];
    const owner = randomUUID();
    const taken: string[] = [];
    const busy: string[] = [];
    try {
      for (let i = 0; i < wanted.length; i += KEYS_PER_SCRIPT) {
        const part = wanted.slice(i, i + KEYS_PER_SCRIPT);
        const answer = (await this.redis.script('locksAcquire', part.map((k) => this.redisKey(k)), [owner, this.lockTtlMs])) as number[];
        part.forEach((key, j) => (Number(answer[j]) === 1 ? taken : busy).push(key));
      }
    } catch (error) {
      await this.release(owner, taken).catch(() => {});
      throw error;
    }
    this.renewer.trackLocks(owner, taken.map((k) => this.redisKey(k)));
    let released = false;
    const lease: WriteLease = {
      release: async () => {
        if (released) return;
        released = true;
        this.renewer.untrackLocks(owner);
        // A lock whose release is lost expires after lockTtlMs.
        await this.release(owner, taken).catch(() => {});
      },
    };
    return { lease, busy };
  }

  async waitForRelease(keys: readonly string[], maxWaitMs: number): Promise<boolean> {
    const held = await this.redis.command((redis) => redis.exists(...keys.slice(0, KEYS_PER_SCRIPT).map((k) => this.redisKey(k))));
    if (held === 0) return true;
    // A release publishes a wake-up; a dead holder's lock just expires, hence the bounded wait.
    return this.redis.waitForWake(Math.min(maxWaitMs, Math.max(50, this.lockTtlMs / 4)));
  }

  private async release(owner: string, keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += KEYS_PER_SCRIPT) {
      const part = keys.slice(i, i + KEYS_PER_SCRIPT).map((k) => this.redisKey(k));
      await this.redis.script('locksRelease', part, [owner, this.redis.wakeChannel]);
    }
  }

  private redisKey(key: string): string {
    return `${this.redis.keyPrefix}lock:${createHash('sha256').update(key).digest('base64url')}`;
  }
}
