import { inject, injectable } from 'inversify';
import type { Activation } from '../activation/activations.js';
import type { SharedState } from '../state/shared-state.js';
import { TOKENS, type Clock } from '../tokens.js';
import type { LeadGroup } from './coalesce.js';

/** How long a delivery waits to take all its values at once before it works on those it can. */
const PATIENCE_MS = 10_000;
const MAX_WAIT_MS = 30_000;

export interface LockedRound {
  held: LeadGroup[];
  /** Values someone else holds: they come back in a later round. */
  deferred: LeadGroup[];
  release(): Promise<void>;
}

/**
 * The per-dedupe-value write lock of a delivery (SPEC §7): taken before a value is looked up
 * or read from the cache, released once its last Sync Leads write is answered. A delivery
 * first waits to take all its values at once — releasing what it got before every wait — so
 * that deliveries sharing values run one after the other and never race into 1005; past its
 * patience it works on what it holds and leaves the rest for a later round. Nobody ever waits
 * while holding, so no order of taking values can deadlock.
 */
@injectable()
export class WriteLocking {
  constructor(
    @inject(TOKENS.SharedState) private readonly state: SharedState,
    @inject(TOKENS.Clock) private readonly now: Clock,
  ) {}

  /** `patienceMs` 0: take what is free now (a backfill comes back for the rest later). */
  async take(activation: Activation, groups: readonly LeadGroup[], patienceMs = PATIENCE_MS): Promise<LockedRound> {
    const keyOf = (group: LeadGroup) => `${activation.target.instanceKey}|${activation.config.dedupeField}|${group.key}`;
    const patienceEnds = this.now() + patienceMs;
    for (;;) {
      const { lease, busy } = await this.state.writeLocks.tryAcquire(groups.map(keyOf));
      if (busy.length === 0) return { held: [...groups], deferred: [], release: () => lease.release() };
      const busyKeys = new Set(busy);
      if (this.now() >= patienceEnds && (busy.length < groups.length || patienceMs === 0)) {
        return {
          held: groups.filter((g) => !busyKeys.has(keyOf(g))),
          deferred: groups.filter((g) => busyKeys.has(keyOf(g))),
          release: () => lease.release(),
        };
      }
      await lease.release();
      await this.state.writeLocks.waitForRelease(busy, Math.max(1, Math.min(MAX_WAIT_MS, patienceEnds - this.now())));
    }
  }
}
