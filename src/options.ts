import { processLocalState, type LocalState } from './state/local/local-state.js';
import type { Logger, PluginOptions } from './types.js';

/** Host options with every default filled in; the shape services receive from the container. */
export interface ResolvedOptions {
  /** Host override of the Marketo base URL (sandbox, tests); undefined means the real instance. */
  marketoBaseUrl: string | undefined;
  limits: {
    callsPerWindow: number;
    windowMs: number;
    maxConcurrent: number;
    dailyQuota: number;
    batchSize: number;
  };
  retry: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number };
  /** Marketo's documented timeouts: Sync Leads 90 s, lookups 60 s, everything else 30 s. */
  timeouts: { syncLeads: number; lookup: number; default: number };
  logger: Logger;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  redis: { url: string; keyPrefix: string; lockTtlMs: number } | undefined;
  /** Undefined when the host turned the lead cache off. */
  leadCache: { maxEntries: number; ttlMs: number } | undefined;
  bulk: { pollIntervalMs: number; maxFileBytes: number };
  localState: LocalState;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Marketo accepts at most 300 records per Lead Database call. */
export const MARKETO_MAX_BATCH = 300;

export function resolveOptions(options: PluginOptions = {}): ResolvedOptions {
  const limits = options.limits ?? {};
  const retry = options.retry ?? {};
  const resolved: ResolvedOptions = {
    marketoBaseUrl: options.marketoBaseUrl?.replace(/\/+$/, ''),
    limits: {
      callsPerWindow: limits.callsPerWindow ?? 100,
      windowMs: limits.windowMs ?? 20_000,
      maxConcurrent: limits.maxConcurrent ?? 10,
      dailyQuota: limits.dailyQuota ?? 50_000,
      batchSize: limits.batchSize ?? MARKETO_MAX_BATCH,
    },
    retry: {
      maxAttempts: retry.maxAttempts ?? 4,
      baseDelayMs: retry.baseDelayMs ?? 500,
      maxDelayMs: retry.maxDelayMs ?? 30_000,
    },
    timeouts: {
      syncLeads: options.timeouts?.syncLeadsMs ?? 90_000,
      lookup: options.timeouts?.lookupMs ?? 60_000,
      default: options.timeouts?.defaultMs ?? 30_000,
    },
    logger: options.logger ?? silentLogger,
    now: options.now ?? Date.now,
    sleep: options.sleep ?? realSleep,
    redis: options.redis && {
      url: options.redis.url,
      keyPrefix: options.redis.keyPrefix ?? 'mktdest:',
      lockTtlMs: options.redis.lockTtlMs ?? 30_000,
    },
    localState: options.localState ?? processLocalState(),
    leadCache:
      options.leadCache === false
        ? undefined
        : { maxEntries: options.leadCache?.maxEntries ?? 100_000, ttlMs: options.leadCache?.ttlMs ?? 86_400_000 },
    bulk: { pollIntervalMs: options.bulk?.pollIntervalMs ?? 5_000, maxFileBytes: options.bulk?.maxFileBytes ?? 10_485_760 },
  };
  checkOptions(resolved);
  return resolved;
}

/** Host misconfiguration is refused when the plugin is created, not deep inside a delivery. */
function checkOptions(o: ResolvedOptions): void {
  const positive: Array<[string, number]> = [
    ['limits.callsPerWindow', o.limits.callsPerWindow],
    ['limits.windowMs', o.limits.windowMs],
    ['limits.maxConcurrent', o.limits.maxConcurrent],
    ['limits.dailyQuota', o.limits.dailyQuota],
    ['limits.batchSize', o.limits.batchSize],
    ['retry.maxAttempts', o.retry.maxAttempts],
    ['timeouts.syncLeadsMs', o.timeouts.syncLeads],
    ['timeouts.lookupMs', o.timeouts.lookup],
    ['timeouts.defaultMs', o.timeouts.default],
    ...(o.leadCache ? ([['leadCache.maxEntries', o.leadCache.maxEntries], ['leadCache.ttlMs', o.leadCache.ttlMs]] as Array<[string, number]>) : []),
    ['bulk.pollIntervalMs', o.bulk.pollIntervalMs],
    ['bulk.maxFileBytes', o.bulk.maxFileBytes],
  ];
  for (const [name, value] of positive) {
    if (!Number.isInteger(value) || value < 1) {
      throw new TypeError(`PluginOptions.${name} must be a positive integer, got ${String(value)}`);
    }
  }
  if (o.bulk.maxFileBytes > 10_485_760) {
    throw new TypeError('PluginOptions.bulk.maxFileBytes may not exceed Marketo\'s 10 MB (10 485 760 bytes) per import file');
  }
  if (o.limits.batchSize > MARKETO_MAX_BATCH) {
    throw new TypeError(`PluginOptions.limits.batchSize may not exceed Marketo's ${MARKETO_MAX_BATCH} records per call`);
  }
  for (const [name, value] of [['retry.baseDelayMs', o.retry.baseDelayMs], ['retry.maxDelayMs', o.retry.maxDelayMs]] as const) {
    if (!Number.isFinite(value) || value < 0) throw new TypeError(`PluginOptions.${name} must be a number ≥ 0`);
  }
  if (o.redis) {
    let url: URL | undefined;
    try {
      url = new URL(o.redis.url);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'redis:' && url.protocol !== 'rediss:')) {
      throw new TypeError('PluginOptions.redis.url must be a redis:// or rediss:// URL');
    }
    if (!Number.isInteger(o.redis.lockTtlMs) || o.redis.lockTtlMs < 1000) throw new TypeError('PluginOptions.redis.lockTtlMs must be an integer ≥ 1000');
    if (typeof o.redis.keyPrefix !== 'string') throw new TypeError('PluginOptions.redis.keyPrefix must be a string');
  }
  if (o.marketoBaseUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(o.marketoBaseUrl);
    } catch {
      throw new TypeError('PluginOptions.marketoBaseUrl must be an absolute http(s) URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new TypeError('PluginOptions.marketoBaseUrl must be an absolute http(s) URL');
    }
  }
}
