import type { Clock, Sleep } from '../../tokens.js';
import { NO_LEAD_CACHE, type LeadCache, type LeadCacheSettings } from '../lead-cache.js';
import type { BudgetSettings, InstanceBudget, SharedState, TokenStore, WriteLocks } from '../shared-state.js';
import { LocalLeadCache } from './local-lead-cache.js';
import { LocalInstanceBudget } from './local-budget.js';
import { LocalTokenStore } from './local-token-store.js';
import { LocalWriteLocks } from './local-write-locks.js';

/**
 * The embedded default: shared state in process memory. Every plugin instance given the same
 * LocalState shares one budget per Marketo instance, one token cache and one set of write
 * locks. The process-wide one (`processLocalState`) is what plugins share unless told
 * otherwise; `createLocalState()` makes an isolated one (tests, or a host that wants separate
 * budgets on purpose). A budget runs on the clock of the first plugin that used it — in a
 * real host, every plugin has the wall clock.
 */
export class LocalState {
  private readonly budgets = new Map<string, LocalInstanceBudget>();
  private tokenStore: LocalTokenStore | undefined;
  private readonly locks = new LocalWriteLocks();
  private leads: LocalLeadCache | undefined;

  /** What one plugin sees of this state, on its clock. */
  view(now: Clock, sleep: Sleep): SharedState {
    const tokens = (this.tokenStore ??= new LocalTokenStore(now));
    return {
      budget: (instanceKey, settings) => this.budget(instanceKey, settings, now, sleep),
      tokens: tokens as TokenStore,
      writeLocks: this.locks as WriteLocks,
      leadCache: (settings) => this.leadCache(settings, now),
      // The state belongs to the process (or to whoever created it), not to one plugin.
      close: async () => {},
    };
  }

  private leadCache(settings: LeadCacheSettings | undefined, now: Clock): LeadCache {
    if (!settings) return NO_LEAD_CACHE;
    if (this.leads) this.leads.adjust(settings);
    else this.leads = new LocalLeadCache(settings, now);
    return this.leads;
  }

  private budget(instanceKey: string, settings: BudgetSettings, now: Clock, sleep: Sleep): InstanceBudget {
    let budget = this.budgets.get(instanceKey);
    if (budget) budget.tighten(settings);
    else this.budgets.set(instanceKey, (budget = new LocalInstanceBudget(settings, now, sleep)));
    return budget;
  }
}

export function createLocalState(): LocalState {
  return new LocalState();
}

let processWide: LocalState | undefined;

/** The state every plugin of this process shares by default (SPEC §7: one limiter per Munchkin id per process). */
export function processLocalState(): LocalState {
  return (processWide ??= new LocalState());
}
