import type { LeadCache, LeadCacheSettings } from './lead-cache.js';

/**
 * State that outlives one call and is shared by everyone who calls the same Marketo instance
 * (SPEC §5, §8.1): its call budget, the access tokens, the per-dedupe-value write lock. Two
 * implementations: in process memory (the embedded default, shared by every plugin instance of
 * the process) and Redis (cluster mode, shared by every process on the same Redis and prefix).
 */

export interface BudgetSettings {
  callsPerWindow: number;
  windowMs: number;
  maxConcurrent: number;
  dailyQuota: number;
}

/** One Marketo call's hold on its instance's budget: a concurrency slot and a place in the window. */
export interface CallLease {
  /**
   * Gives the concurrency slot back once Marketo answered (or the attempt failed). `counted` is
   * false when Marketo did not count the call (601/602/604/605/608/611): it then leaves the
   * window and the daily count at once. Never throws; a lease whose release is lost expires.
   */
  release(counted: boolean): void;
}

/**
 * The call budget of one Marketo instance: calls per sliding window (a call stays in it until a
 * full window after its answer), spent evenly over the window with a small burst; calls in
 * flight; the daily quota; the pause after 606/615 and the stop after 607.
 */
export interface InstanceBudget {
  /**
   * Waits for room, first come first served. Rejects with a local `607` MarketoApiError while
   * the quota is known to be gone, and with StateUnavailableError when shared state is down.
   */
  acquire(): Promise<CallLease>;
  /** Marketo answered 606/615 anyway (another integration spends the same budget): hold every caller back. */
  pause(pauseMs: number): Promise<void>;
  /** Marketo answered 607: every caller stops until `resetsAt` (epoch ms). */
  stopUntil(resetsAt: number): Promise<void>;
}

export interface FetchedToken {
  value: string;
  /** How long the token may still be used, already shortened by a safety margin. */
  usableForMs: number;
}

/** Access tokens, shared so that one identity call serves everyone for a token's lifetime. */
export interface TokenStore {
  /** The live token under `key`, or the one `fetch` gets: only one sharer fetches at a time. */
  get(key: string, fetch: () => Promise<FetchedToken>): Promise<string>;
  /** Forgets `value` after Marketo called it invalid or expired, unless a sharer already replaced it. */
  invalidate(key: string, value: string): Promise<void>;
}

/** The write locks one holder took together; renewed while held (Redis), released at once. */
export interface WriteLease {
  release(): Promise<void>;
}

/**
 * Per-dedupe-value write locks (SPEC §7 "Write lock"). Deadlock-free by construction: a holder
 * takes what is free without waiting, works on it, releases it, and only then waits for the
 * rest — nobody ever waits while holding.
 */
export interface WriteLocks {
  /** Takes every free key of `keys` at once, never waiting; `busy` are the keys held by others. */
  tryAcquire(keys: readonly string[]): Promise<{ lease: WriteLease; busy: string[] }>;
  /**
   * Resolves once some of `keys` may have been released — `true` — or after `maxWaitMs`
   * without any release — `false`.
   */
  waitForRelease(keys: readonly string[], maxWaitMs: number): Promise<boolean>;
}

export interface SharedState {
  /** The lead cache (SPEC §8.2); `undefined` settings mean the host turned it off. */
  leadCache(settings: LeadCacheSettings | undefined): LeadCache;
  /** The budget of one Marketo instance; instances sharing state with stricter limits tighten it. */
  budget(instanceKey: string, settings: BudgetSettings): InstanceBudget;
  readonly tokens: TokenStore;
  readonly writeLocks: WriteLocks;
  /** Frees connections and timers; never rejects. */
  close(): Promise<void>;
}
