import { nextQuotaReset } from '../support/quota-clock.js';
import { fail, type SandboxReply } from './http.js';
import type { SandboxLimits, SandboxStats } from './options.js';

/** A call admitted into the window, until it is answered. */
export interface Admission {
  at: number;
  day: number;
}

/**
 * Marketo's per-instance limits: calls per sliding window, concurrent calls, daily quota. The
 * refusals carry Marketo's own texts ("Max rate limit '100' exceeded with in '20' secs",
 * "Concurrent access limit '10' reached", "Daily quota '50000' reached"), as recorded in other
 * integrations' logs and fixtures.
 */
export class LimitGuard {
  private readonly recent: number[] = [];
  private inFlight = 0;
  private dayCalls = 0;
  private day = 0;
  private dayResetsAt: number;

  constructor(
    private readonly limits: SandboxLimits,
    private readonly now: () => number,
    private readonly stats: SandboxStats,
  ) {
    this.dayResetsAt = nextQuotaReset(now());
  }

  /** Admits a call, or answers 607/606/615 the way Marketo does. */
  admit(): Admission | SandboxReply {
    const now = this.now();
    if (now >= this.dayResetsAt) {
      this.dayCalls = 0;
      this.day++;
      this.dayResetsAt = nextQuotaReset(now);
    }
    while (this.recent.length > 0 && this.recent[0]! <= now - this.limits.windowMs) this.recent.shift();
    if (this.dayCalls >= this.limits.dailyQuota) {
      this.stats.quotaExceeded++;
      return fail('607', `Daily quota '${this.limits.dailyQuota}' reached`);
    }
    if (this.recent.length >= this.limits.callsPerWindow) {
      this.stats.rateLimited++;
      return fail('606', `Max rate limit '${this.limits.callsPerWindow}' exceeded with in '${Math.round(this.limits.windowMs / 1000)}' secs`);
    }
    if (this.inFlight >= this.limits.maxConcurrent) {
      this.stats.concurrencyLimited++;
      return fail('615', `Concurrent access limit '${this.limits.maxConcurrent}' reached`);
    }
    this.recent.push(now);
    this.dayCalls++;
    this.inFlight++;
    this.stats.maxInFlight = Math.max(this.stats.maxInFlight, this.inFlight);
    return { at: now, day: this.day };
  }

  release(): void {
    this.inFlight--;
  }

  /** Takes an answered call back out of the window and the day's count: Marketo does not count some answers. */
  forgive(admission: Admission): void {
    const index = this.recent.indexOf(admission.at);
    if (index >= 0) this.recent.splice(index, 1);
    if (admission.day === this.day) this.dayCalls--;
    this.stats.notCounted++;
  }
}

/** Answers that Marketo's error-code reference marks as not counted against the quota or the rate limit. */
export const NOT_COUNTED = new Set(['601', '602', '604', '605', '608', '611']);
