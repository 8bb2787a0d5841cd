import { createHash, randomUUID } from 'node:crypto';
import type { FetchedToken, TokenStore } from '../shared-state.js';
import type { RedisConnection } from './redis-connection.js';

/** Longer than one identity call may take (its deadline is 30 s). */
const FETCH_LOCK_MS = 35_000;
const POLL_MS = 200;

/**
 * Access tokens shared by the cluster: one identity call per token lifetime for every process.
 * The fetcher holds a short lock while it asks Marketo; the others wait for the token to appear
 * (woken by the fetcher, or polling), and take over if the fetcher fails. Keys are hashes.
 */
export class RedisTokenStore implements TokenStore {
  /** Callers of this process that ask at once share one round of the above. */
  private readonly pending = new Map<string, Promise<string>>();

  constructor(private readonly redis: RedisConnection) {}

  get(key: string, fetch: () => Promise<FetchedToken>): Promise<string> {
    let pending = this.pending.get(key);
    if (!pending) {
      pending = this.getShared(key, fetch).finally(() => this.pending.delete(key));
      this.pending.set(key, pending);
    }
    return pending;
  }

  async invalidate(key: string, value: string): Promise<void> {
    await this.redis.script('deleteIfEqual', [this.tokenKey(key)], [value]);
  }

  private async getShared(key: string, fetch: () => Promise<FetchedToken>): Promise<string> {
    const tokenKey = this.tokenKey(key);
    const lockKey = `${tokenKey}:fetching`;
    for (;;) {
      const cached = await this.redis.command((redis) => redis.get(tokenKey));
      if (cached) return cached;
      const owner = randomUUID();
      const locked = await this.redis.command((redis) => redis.set(lockKey, owner, 'PX', FETCH_LOCK_MS, 'NX'));
      if (locked === 'OK') {
        try {
          const token = await fetch();
          await this.redis.command((redis) => redis.set(tokenKey, token.value, 'PX', Math.max(1, Math.floor(token.usableForMs))));
          return token.value;
        } finally {
          await this.redis.script('deleteIfEqual', [lockKey], [owner]).catch(() => {});
          await this.redis.command((redis) => redis.publish(this.redis.wakeChannel, 'token')).catch(() => {});
        }
      }
      await this.redis.waitForWake(POLL_MS);
    }
  }

  private tokenKey(key: string): string {
    return `${this.redis.keyPrefix}token:${createHash('sha256').update(key).digest('base64url')}`;
  }
}
