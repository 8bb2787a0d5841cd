import { inject, injectable } from 'inversify';
import type { Activation } from '../activation/activations.js';
import type { SharedState } from '../state/shared-state.js';
import { TOKENS } from '../tokens.js';
import type { LeadGroup } from './coalesce.js';

const MAX_WAIT_MS = 30_000;

export interface LockedRound {
  held: LeadGroup[];
  /** Values someone else holds: they come back in a later round. */
  deferred: LeadGroup[];
  release(): Promise<void>;
}

/**
 * The per-dedupe-value write lock of a delivery (SPEC §7): taken before a value is looked up
 * or read from the cache, released once its last Sync Leads write is answered, so deliveries
 * sharing values never race into 1005. A delivery works at once on the values that are free
 * and leaves the busy ones for a later round; only when none is free does it wait, holding
 * nothing, until one is released. Nobody ever waits while holding, so no order of taking
 * values can deadlock.
 *
 * Working on what is free rather than waiting to take everything at once was measured
 * (`npm run bench`, streaming): under a steady stream of overlapping deliveries, waiting for
 * all values made every delivery queue behind its neighbours and cost more calls, not fewer.
 */
@injectable()
export class WriteLocking {
  constructor(
    @inject(TOKENS.SharedState) private readonly state: SharedState,
  ) {}

  /**
   * The locks of the free groups; the busy ones are deferred. When none is free a delivery
   * waits for a release; a backfill (`waitWhenNoneFree: false`) comes back later instead, its
   * own imports holding some values.
   */
  async take(activation: Activation, groups: readonly LeadGroup[], { waitWhenNoneFree = true } = {}): Promise<LockedRound> {
    const keyOf = (group: LeadGroup) => `${activation.target.instanceKey}|${activation.config.dedupeField}|${group.key}`;
    for (;;) {
      const { lease, busy } = await this.state.writeLocks.tryAcquire(groups.map(keyOf));
      if (busy.length === 0) return { held: [...groups], deferred: [], release: () => lease.release() };
      const busyKeys = new Set(busy);
      const someFree = groups.some((g) => !busyKeys.has(keyOf(g)));
      if (someFree || !waitWhenNoneFree) {
        return {
          held: groups.filter((g) => !busyKeys.has(keyOf(g))),
          deferred: groups.filter((g) => busyKeys.has(keyOf(g))),
          release: () => lease.release(),
        };
      }
      await lease.release();
      await this.state.writeLocks.waitForRelease(busy, MAX_WAIT_MS);
    }
  }
}
