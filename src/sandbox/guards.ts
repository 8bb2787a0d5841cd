import type { SandboxReply } from './http.js';
import type { SandboxStore } from './model.js';
import { fail } from './http.js';
import { nextQuotaReset } from '../support/quota-clock.js';

export interface SandboxLimits {
  callsPerWindow: number;
  windowMs: number;
  maxConcurrent: number;
  dailyQuota: number;
}

/** A fault to inject into matching requests, for tests and demos. */
export interface SandboxFault {
  method?: string;
  /** Matches when the request path contains this text. */
  path?: string;
  /** How many matching requests it applies to (default 1). */
  times?: number;
  /** Answer `success: false` with this Marketo code. */
  code?: string;
  message?: string;
  /** Answer with this HTTP status. */
  httpStatus?: number;
  /** Close the connection without answering. */
  drop?: boolean;
  /** Wait this long before handling the request (it still counts as in flight). */
  delayMs?: number;
  /** Skip the input record at this index with `recordCode`, handling the others normally. */
  recordCode?: string;
  recordIndex?: number;
  /** Change the instance just before the request is handled (another writer, say). */
  before?: (store: SandboxStore) => void;
}

export interface SandboxStats {
  calls: number;
  tokenCalls: number;
  byOperation: Record<string, number>;
  rateLimited: number;
  concurrencyLimited: number;
  quotaExceeded: number;
  maxInFlight: number;
}

/** Marketo's per-instance limits: calls per sliding window, concurrent calls, daily quota. */
export class LimitGuard {
  private readonly recent: number[] = [];
  private inFlight = 0;
  private dayCalls = 0;
  private dayResetsAt: number;

  constructor(
    private readonly limits: SandboxLimits,
    private readonly now: () => number,
    private readonly stats: SandboxStats,
  ) {
    this.dayResetsAt = nextQuotaReset(now());
  }

  /** Admits a call or answers 607/606/615 the way Marketo does. */
  admit(): SandboxReply | undefined {
    const now = this.now();
    if (now >= this.dayResetsAt) {
      this.dayCalls = 0;
      this.dayResetsAt = nextQuotaReset(now);
    }
    while (this.recent.length > 0 && this.recent[0]! <= now - this.limits.windowMs) this.recent.shift();
    if (this.dayCalls >= this.limits.dailyQuota) {
      this.stats.quotaExceeded++;
      return fail('607', 'Daily quota reached');
    }
    if (this.recent.length >= this.limits.callsPerWindow) {
      this.stats.rateLimited++;
      return fail('606', 'Max rate limit exceeded');
    }
    if (this.inFlight >= this.limits.maxConcurrent) {
      this.stats.concurrencyLimited++;
      return fail('615', 'Concurrent access limit reached');
    }
    this.recent.push(now);
    this.dayCalls++;
    this.inFlight++;
    this.stats.maxInFlight = Math.max(this.stats.maxInFlight, this.inFlight);
    return undefined;
  }

  release(): void {
    this.inFlight--;
  }
}

export class FaultPlan {
  private readonly faults: Array<SandboxFault & { left: number }> = [];

  add(fault: SandboxFault): void {
    this.faults.push({ ...fault, left: fault.times ?? 1 });
  }

  clear(): void {
    this.faults.length = 0;
  }

  /** The next fault for this request, consumed. */
  take(method: string, path: string): SandboxFault | undefined {
    const fault = this.faults.find((f) => f.left > 0 && (!f.method || f.method === method) && (!f.path || path.includes(f.path)));
    if (fault) fault.left--;
    return fault;
  }
}
