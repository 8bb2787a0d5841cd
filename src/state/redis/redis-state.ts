import type { Clock, Sleep } from '../../tokens.js';
import type { Logger } from '../../types.js';
import { NO_LEAD_CACHE, type LeadCache, type LeadCacheSettings } from '../lead-cache.js';
import type { BudgetSettings, InstanceBudget, SharedState, TokenStore, WriteLocks } from '../shared-state.js';
import { RedisLeadCache } from './redis-lead-cache.js';
import { LeaseRenewer } from './lease-renewer.js';
import { RedisInstanceBudget } from './redis-budget.js';
import { RedisConnection } from './redis-connection.js';
import { RedisTokenStore } from './redis-token-store.js';
import { RedisWriteLocks } from './redis-write-locks.js';

export interface RedisStateOptions {
  url: string;
  keyPrefix: string;
  lockTtlMs: number;
}

/** Cluster mode: every process created with the same Redis URL and key prefix shares this state. */
export class RedisState implements SharedState {
  private readonly connection: RedisConnection;
  private readonly renewer: LeaseRenewer;
  private readonly budgets = new Map<string, RedisInstanceBudget>();
  readonly tokens: TokenStore;
  readonly writeLocks: WriteLocks;

  constructor(
    private readonly options: RedisStateOptions,
    private readonly now: Clock,
    private readonly sleep: Sleep,
    private readonly logger: Logger,
  ) {
    this.connection = new RedisConnection(options.url, options.keyPrefix, logger);
    this.renewer = new LeaseRenewer(this.connection, options.lockTtlMs, logger);
    this.tokens = new RedisTokenStore(this.connection);
    this.writeLocks = new RedisWriteLocks(this.connection, this.renewer, options.lockTtlMs);
  }

  budget(instanceKey: string, settings: BudgetSettings): InstanceBudget {
    let budget = this.budgets.get(instanceKey);
    if (budget) {
      budget.tighten(settings);
    } else {
      budget = new RedisInstanceBudget(this.connection, instanceKey, settings, this.renewer, this.options.lockTtlMs, this.now, this.sleep, this.logger);
      this.budgets.set(instanceKey, budget);
    }
    return budget;
  }

  leadCache(settings: LeadCacheSettings | undefined): LeadCache {
    return settings ? new RedisLeadCache(this.connection, settings) : NO_LEAD_CACHE;
  }

  async close(): Promise<void> {
    this.renewer.stop();
    await this.connection.close().catch(() => {});
  }
}
