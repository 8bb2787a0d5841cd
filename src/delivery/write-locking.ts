import { inject, injectable } from 'inversify';
import { instanceValueKey, type Activation } from '../activation/activations.js';
import type { SharedState } from '../state/shared-state.js';
import { TOKENS } from '../tokens.js';
import type { LeadGroup } from './coalesce.js';

const MAX_WAIT_MS = 30_000;
/**
 * How many releases a delivery that has nobody to share calls with waits for, to take all its
 * values at once, and the longest of those waits. Measured (`npm run bench`, streaming, 8
 * plugins): overlapping deliveries form chains, and four waits of 5 s left 5–11 % more calls
 * than one at a time, eight of 4 s 0–2 %. A value held through two whole waits (by a backfill,
 * whose imports take minutes) is left for a later round; at 2 s a call a neighbour's lookup and
 * write often outlast 4 s, and giving up after two such waits cost 20 % more calls.
 */
const PATIENT_WAITS = 8;
const PATIENT_WAIT_MS = 8_000;
const PATIENT_TIMEOUTS = 2;

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
 * Whether a delivery works at once on what is free or first waits to take everything depends
 * on who would carry its later round (measured by `npm run bench`, streaming). With other
 * deliveries of its activation in flight in the plugin, the busy values' later round joins
 * their shared calls and costs little, while waiting made every delivery queue behind its
 * neighbours and cost more calls. A delivery alone in its plugin (one deliverer a plugin, as
 * in a host with a plugin per request handler) would pay that round's calls by itself: it
 * waits, holding nothing, for a few releases first (`patient`).
 */
@injectable()
export class WriteLocking {
  constructor(
    @inject(TOKENS.SharedState) private readonly state: SharedState,
  ) {}

  /**
   * The locks of the free groups; the busy ones are deferred. When none is free a delivery
   * waits for a release; a backfill (`waitWhenNoneFree: false`) comes back later instead, its
   * own imports holding some values. A `patient` delivery waits for the busy values a few
   * times before it settles for the free ones.
   */
  async take(activation: Activation, groups: readonly LeadGroup[], { waitWhenNoneFree = true, patient = false } = {}): Promise<LockedRound> {
    const keys = groups.map((group) => instanceValueKey(activation, group.key));
    for (let patientWaits = 0, timeouts = 0; ; ) {
      const { lease, busy } = await this.state.writeLocks.tryAcquire(keys);
      if (busy.length === 0) return { held: [...groups], deferred: [], release: () => lease.release() };
      const busyKeys = new Set(busy);
      const isBusy = keys.map((key) => busyKeys.has(key));
      const someFree = isBusy.includes(false);
      const waitForAll = someFree && patient && patientWaits < PATIENT_WAITS && timeouts < PATIENT_TIMEOUTS;
      if ((someFree && !waitForAll) || (!someFree && !waitWhenNoneFree)) {
        return {
          held: groups.filter((_, i) => !isBusy[i]),
          deferred: groups.filter((_, i) => isBusy[i]),
          release: () => lease.release(),
        };
      }
      await lease.release();
      const released = await this.state.writeLocks.waitForRelease(busy, waitForAll ? PATIENT_WAIT_MS : MAX_WAIT_MS);
      if (waitForAll) {
        patientWaits++;
        if (!released) timeouts++;
      }
    }
  }
}
