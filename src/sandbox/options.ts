import type { SandboxStore, SandboxSeed } from './model.js';

/** Marketo's per-instance limits (defaults: 100 calls per 20 s, 10 at once, 50 000 a day). */
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
  /**
   * On a bulk import request: accept the job, then end it `Failed` with `message` once it has
   * imported `afterRows` rows (default 0: it fails as it starts importing).
   */
  importFailure?: { message?: string; afterRows?: number };
}

export interface SandboxStats {
  /** REST and bulk calls admitted past the token check and the limits. */
  calls: number;
  tokenCalls: number;
  byOperation: Record<string, number>;
  rateLimited: number;
  concurrencyLimited: number;
  quotaExceeded: number;
  maxInFlight: number;
  /** Admitted calls that Marketo does not count against the window or the quota (answered 601/602/604/605/608/611). */
  notCounted: number;
}

/** How fast bulk import jobs move, measured on the sandbox's clock (`now`). */
export interface SandboxBulkOptions {
  /** Rows a job imports per second once it is importing (default 500; Marketo publishes no figure). */
  rowsPerSecond?: number;
  /** Time a job waits in the queue before it may start importing (default 1 000 ms). */
  queueDelayMs?: number;
}

export interface SandboxOptions {
  /** Loopback port; 0 (default) picks a free one. */
  port?: number;
  seed?: SandboxSeed;
  credentials?: { clientId: string; clientSecret: string };
  tokenTtlSeconds?: number;
  limits?: Partial<SandboxLimits>;
  /** Whether the API user may call the User Management API (workspaces). */
  userManagementApi?: boolean;
  faults?: SandboxFault[];
  /** Time each REST call takes, so concurrency behaves as over a network. */
  latencyMs?: number;
  /**
   * Model "closely timed creates with the same key can both succeed": a createOnly or
   * createOrUpdate decides whether each lead exists from the state at the request's arrival
   * and commits after the call's latency (`true`) or after `windowMs`, so two overlapping calls
   * for one new email both create a lead. Off by default.
   */
  createRace?: boolean | { windowMs: number };
  bulk?: SandboxBulkOptions;
  /** Told of every call admitted past the token check and the limits (when, and which operation): to measure a client's pace. */
  onCall?: (call: { at: number; operation: string }) => void;
  now?: () => number;
}
