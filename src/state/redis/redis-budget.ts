import { randomUUID } from 'node:crypto';
import { nextQuotaReset } from '../../support/quota-clock.js';
import type { Clock, Sleep } from '../../tokens.js';
import type { Logger } from '../../types.js';
import { pacing, quotaGoneError } from '../budget-rules.js';
import { QueuedBudget, type BudgetStep } from '../queued-budget.js';
import type { BudgetSettings, CallLease } from '../shared-state.js';
import type { LeaseRenewer } from './lease-renewer.js';
import type { RedisConnection } from './redis-connection.js';

/** The day count outlives its day a little, for hosts whose clocks straddle midnight. */
const DAY_COUNT_TTL_MS = 26 * 3_600_000;

/**
 * The budget of one Marketo instance, shared through Redis by every process of the cluster:
 * the same rules as the in-memory budget, decided by one atomic script on the Redis server's
 * clock. In-flight slots are leases (renewed while the call runs, freed within `lockTtlMs`
 * when a worker dies). Within a process, waiters queue in order and only the head asks Redis.
 */
export class RedisInstanceBudget extends QueuedBudget {
  /** Redis server time minus our clock, from the last answer: names the quota day like Redis sees it. */
  private serverOffsetMs = 0;

  constructor(
    private readonly redis: RedisConnection,
    private readonly instanceKey: string,
    settings: BudgetSettings,
    private readonly renewer: LeaseRenewer,
    private readonly lockTtlMs: number,
    private readonly now: Clock,
    private readonly sleep: Sleep,
    private readonly logger: Logger,
  ) {
    super(settings);
  }

  async pause(pauseMs: number): Promise<void> {
    await this.redis.script('budgetPause', [this.key('pause')], [Math.ceil(pauseMs)]);
  }

  async stopUntil(resetsAt: number): Promise<void> {
    await this.redis.script('budgetStop', [this.key('stop')], [Math.ceil(resetsAt)]);
  }

  private key(part: string): string {
    return `${this.redis.keyPrefix}${this.instanceKey}:budget:${part}`;
  }

  protected async step(): Promise<BudgetStep> {
    const leaseId = randomUUID();
    const dayKey = this.key(`day:${nextQuotaReset(this.now() + this.serverOffsetMs)}`);
    let answer: [string, number, number];
    try {
      answer = (await this.redis.script(
        'budgetAcquire',
        [this.key('window'), this.key('inflight'), this.key('pace'), this.key('pause'), this.key('stop'), dayKey],
        this.acquireArguments(leaseId),
      )) as [string, number, number];
    } catch (error) {
      return { refuseAll: error };
    }
    const [status, ms, serverNow] = [answer[0], Number(answer[1]), Number(answer[2])];
    this.serverOffsetMs = serverNow - this.now();
    if (status === 'granted') return { grant: this.lease(leaseId, dayKey) };
    if (status === 'wait') {
      await this.sleep(Math.max(1, ms));
      return 'waited';
    }
    if (status === 'busy') {
      // Someone's answer frees a slot: wait for the wake-up, or for a dead worker's lease to expire.
      await this.redis.waitForWake(Math.min(Math.max(ms, 10), 1_000));
      return 'waited';
    }
    const resetsAt = status === 'stopped' ? this.now() + ms : nextQuotaReset(serverNow) - this.serverOffsetMs;
    return { refuseAll: quotaGoneError(resetsAt) };
  }

  private acquireArguments(leaseId: string): Array<string | number> {
    const { callsPerWindow, windowMs, maxConcurrent, dailyQuota } = this.settings;
    const { intervalMs, burstToleranceMs } = pacing(this.settings);
    const keyTtlMs = 2 * windowMs + this.lockTtlMs;
    return [leaseId, callsPerWindow, windowMs, maxConcurrent, dailyQuota, intervalMs, burstToleranceMs, this.lockTtlMs, DAY_COUNT_TTL_MS, keyTtlMs];
  }

  private lease(leaseId: string, dayKey: string): CallLease {
    const inFlightKey = this.key('inflight');
    this.renewer.trackSlot(inFlightKey, leaseId);
    let released = false;
    return {
      release: (counted) => {
        if (released) return;
        released = true;
        this.renewer.untrackSlot(inFlightKey, leaseId);
        const keyTtlMs = 2 * this.settings.windowMs + this.lockTtlMs;
        this.redis
          .script('budgetRelease', [inFlightKey, this.key('window'), dayKey], [leaseId, counted ? '1' : '0', this.redis.wakeChannel, keyTtlMs])
          .catch(() => this.logger.warn('Could not give a call slot back to Redis; it expires on its own', { instanceKey: this.instanceKey }));
      },
    };
  }
}
