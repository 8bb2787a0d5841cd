import type { Logger } from '../../types.js';
import type { RedisConnection } from './redis-connection.js';

/**
 * Renews what this process still holds — call slots in flight and write locks — every third
 * of their lifetime, so a live worker keeps them however long a call takes, while a worker
 * that dies frees them within `lockTtlMs`.
 */
export class LeaseRenewer {
  /** In-flight keys → lease ids held there. */
  private readonly slots = new Map<string, Set<string>>();
  /** Lock owner → the Redis keys it holds. */
  private readonly locks = new Map<string, string[]>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: RedisConnection,
    private readonly lockTtlMs: number,
    private readonly logger: Logger,
  ) {}

  trackSlot(inFlightKey: string, leaseId: string): void {
    const held = this.slots.get(inFlightKey) ?? new Set<string>();
    held.add(leaseId);
    this.slots.set(inFlightKey, held);
    this.start();
  }

  untrackSlot(inFlightKey: string, leaseId: string): void {
    const held = this.slots.get(inFlightKey);
    held?.delete(leaseId);
    if (held?.size === 0) this.slots.delete(inFlightKey);
    this.stopWhenIdle();
  }

  trackLocks(owner: string, keys: string[]): void {
    if (keys.length === 0) return;
    this.locks.set(owner, keys);
    this.start();
  }

  untrackLocks(owner: string): void {
    this.locks.delete(owner);
    this.stopWhenIdle();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.slots.clear();
    this.locks.clear();
  }

  private start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.renew(), Math.max(100, Math.floor(this.lockTtlMs / 3)));
    // What is held is in use by work that keeps the process alive on its own.
    this.timer.unref();
  }

  private stopWhenIdle(): void {
    if (this.slots.size === 0 && this.locks.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private async renew(): Promise<void> {
    try {
      await Promise.all([
        ...[...this.slots].map(([key, ids]) => this.redis.script('budgetRenew', [key], [this.lockTtlMs, ...ids])),
        ...[...this.locks].map(([owner, keys]) => this.redis.script('locksRenew', keys, [owner, this.lockTtlMs])),
      ]);
    } catch {
      this.logger.warn('Could not renew call slots and write locks in Redis; they expire if Redis stays away', {});
    }
  }
}
