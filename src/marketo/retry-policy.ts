import { inject, injectable } from 'inversify';
import { MarketoTransportError } from '../errors.js';
import type { ResolvedOptions } from '../options.js';
import { TOKENS, type Sleep } from '../tokens.js';
import type { Logger } from '../types.js';
import { backoffDelay } from './backoff.js';
import { classifyFailure, type FailureKind } from './classify.js';

/**
 * A retry quota per Marketo instance (smithy's standard retry strategy): every retry spends
 * tokens, every success gives some back. When an instance fails everywhere at once, retries
 * stop after a while and calls fail fast instead of multiplying the load of an outage.
 */
class RetryQuota {
  static readonly CAPACITY = 500;
  static readonly RETRY_COST = 5;
  static readonly TIMEOUT_RETRY_COST = 10;
  static readonly NO_RETRY_REFUND = 1;
  private available = RetryQuota.CAPACITY;

  /** Takes the cost of one retry; undefined when the quota cannot afford it. */
  take(error: unknown): number | undefined {
    const cost = error instanceof MarketoTransportError && error.networkCode === 'ETIMEDOUT' ? RetryQuota.TIMEOUT_RETRY_COST : RetryQuota.RETRY_COST;
    if (this.available < cost) return undefined;
    this.available -= cost;
    return cost;
  }

  refund(lastRetryCost: number | undefined): void {
    this.available = Math.min(RetryQuota.CAPACITY, this.available + (lastRetryCost ?? RetryQuota.NO_RETRY_REFUND));
  }
}

export interface RetryScope {
  /** The instance whose retry quota the call draws on. */
  instanceKey: string;
  operation: string;
  /** Holds every caller of the instance back for `pauseMs` after a 606/615 (and tells the host). */
  pauseInstance(pauseMs: number, error: unknown): Promise<void>;
}

/**
 * The one retry loop of the plugin: it owns every attempt of a Marketo call and every wait
 * between attempts (through the injected sleep). An attempt is the whole chain below it —
 * a slot of the instance budget, the access token (an identity call when needed), the HTTP
 * request and the envelope — so nothing below retries on its own.
 *
 * - transient failures (network, timeouts, HTTP 5xx, 502/608/611/614/713/719): full-jitter
 *   backoff, within `retry.maxAttempts` attempts in all and the instance's retry quota;
 * - 601/602: the token was already forgotten by the attempt; one immediate retry;
 * - 606/615/HTTP 429 (someone spent the instance's budget): the budget is already paused by
 *   the attempt; waiting out a shared limit is not a failure of the call, so these do not
 *   use up `maxAttempts` — they are waited out for up to two windows;
 * - 604/413 (split), 607 (quota), 603 (permission) and permanent codes: returned to the caller.
 */
@injectable()
export class RetryPolicy {
  private readonly quotas = new Map<string, RetryQuota>();

  constructor(
    @inject(TOKENS.Options) private readonly options: ResolvedOptions,
    @inject(TOKENS.Sleep) private readonly sleep: Sleep,
    @inject(TOKENS.Logger) private readonly logger: Logger,
  ) {}

  async run<T>(scope: RetryScope, attempt: (attemptNumber: number) => Promise<T>): Promise<T> {
    const quota = this.quotaOf(scope.instanceKey);
    const { maxAttempts, baseDelayMs, maxDelayMs } = this.options.retry;
    let failedAttempts = 0;
    let throttled = 0;
    let throttledWaitMs = 0;
    let tokenRefreshed = false;
    let lastRetryCost: number | undefined;
    for (let attemptNumber = 1; ; attemptNumber++) {
      try {
        const result = await attempt(attemptNumber);
        quota.refund(lastRetryCost);
        return result;
      } catch (error) {
        const kind = classifyFailure(error);
        let delayMs: number;
        if (kind === 'refreshToken' && !tokenRefreshed) {
          tokenRefreshed = true;
          delayMs = 0;
        } else if (kind === 'throttled' && throttledWaitMs < 2 * this.options.limits.windowMs) {
          // The budget holds the next attempt (and everyone else's) back for the pause.
          const pauseMs = this.throttlePause(++throttled);
          throttledWaitMs += pauseMs;
          await scope.pauseInstance(pauseMs, error);
          delayMs = 0;
        } else if (retriesOnBackoff(kind) && ++failedAttempts < maxAttempts && (lastRetryCost = quota.take(error)) !== undefined) {
          delayMs = backoffDelay(failedAttempts, baseDelayMs, maxDelayMs);
        } else {
          throw error;
        }
        this.logger.debug('Marketo call failed; trying again', { operation: scope.operation, kind, attemptNumber, delayMs });
        if (delayMs > 0) await this.sleep(delayMs);
      }
    }
  }

  /** Half fixed, half random: every caller pauses, and they do not all come back at once. */
  private throttlePause(throttled: number): number {
    const ceiling = Math.min(this.options.limits.windowMs, Math.max(this.options.retry.baseDelayMs, 1000) * 2 ** (throttled - 1));
    return Math.ceil(ceiling / 2 + backoffDelay(1, ceiling / 2, ceiling / 2));
  }

  private quotaOf(instanceKey: string): RetryQuota {
    let quota = this.quotas.get(instanceKey);
    if (!quota) this.quotas.set(instanceKey, (quota = new RetryQuota()));
    return quota;
  }
}

function retriesOnBackoff(kind: FailureKind): boolean {
  return kind === 'retry';
}
