import { inject, injectable } from 'inversify';
import { instanceValueKey, type Activation } from '../activation/activations.js';
import type { CallMeter } from '../marketo/client.js';
import type { SyncOutcome } from '../marketo/endpoints/leads.js';
import type { MembershipOutcome } from '../marketo/endpoints/list-membership.js';
import type { Settled } from '../marketo/shared-calls.js';
import type { DestinationManifest } from '../manifest/types.js';
import { LeadMatcher } from '../matching/lead-matcher.js';
import type { ResolvedOptions } from '../options.js';
import type { LeadCache, LeadCacheEntry, LeadCacheUpdate } from '../state/lead-cache.js';
import type { SharedState } from '../state/shared-state.js';
import { TOKENS, type Clock } from '../tokens.js';
import type { Logger } from '../types.js';
import type { LeadGroup } from './coalesce.js';
import { failureFromError, failureFromRecord, type Failure } from './failures.js';
import { freshState, type GroupState } from './group-state.js';
import { decideWrite, digestsOf, fieldsRequiredToCreate, planListChanges, type ListChange, type WriteContext } from './planner.js';
import { RestWrites, type Answered } from './rest-writes.js';
import { syncRules } from '../sync-rules.js';
import { WriteLocking, type LockedRound } from './write-locking.js';

/** A lead found by lookup and gone before its update: sending the profile again re-matches it. */
const UPDATE_RETRY_ON_REPLAY = new Set(['1004']);
const LEAD_GONE = '1004';
const LEAD_EXISTS = '1005';

/**
 * Brings Marketo in line with a delivery's lead groups, in rounds: take the write locks of the
 * groups (waiting for values another delivery holds), read the lead cache, look up the rest,
 * plan, write — updates by id and creates in the partition — and release the locks once the
 * last write is answered; then change list memberships and remember what Marketo confirmed.
 * Groups that must go around again (1005, a cached lead gone) and values that were busy come
 * back in the next round. A dry run plans with lookups only: no lock, no write, no cache change.
 */
@injectable()
export class LeadSync {
  private readonly requiredToCreate: string[];

  constructor(
    @inject(LeadMatcher) private readonly matcher: LeadMatcher,
    @inject(RestWrites) private readonly writes: RestWrites,
    @inject(WriteLocking) private readonly locking: WriteLocking,
    @inject(TOKENS.SharedState) private readonly state: SharedState,
    @inject(TOKENS.Options) private readonly options: ResolvedOptions,
    @inject(TOKENS.Clock) private readonly now: Clock,
    @inject(TOKENS.Logger) private readonly logger: Logger,
    @inject(TOKENS.Manifest) manifest: DestinationManifest,
  ) {
    this.requiredToCreate = fieldsRequiredToCreate(manifest);
  }

  /**
   * `alone` tells, each time locks are taken, whether this is the only delivery of its
   * activation running in the plugin: then nobody's shared calls would carry a later round of
   * its busy values, and it waits a little to take them all at once (see WriteLocking).
   */
  async run(activation: Activation, groups: readonly LeadGroup[], meter: CallMeter, { dryRun = false, alone = () => false }: { dryRun?: boolean; alone?: () => boolean } = {}): Promise<GroupState[]> {
    const states = new Map(groups.map((group) => [group, freshState(group)]));
    const cache = this.state.leadCache(this.options.leadCache);
    const sentAgain = new Set<LeadGroup>();
    let pending = [...groups];
    while (pending.length > 0) {
      let round: LockedRound;
      try {
        round = dryRun ? { held: pending, deferred: [], release: async () => {} } : await this.locking.take(activation, pending, { patient: alone() });
      } catch (error) {
        // Without the lock nothing may be written.
        for (const group of pending) states.get(group)!.failure = this.failure(error);
        break;
      }
      const held = round.held.map((group) => states.get(group)!);
      try {
        const entries = await this.withLock(round, () => this.writePhase(activation, held, cache, meter, dryRun));
        await this.listPhase(activation, held, entries, cache, meter, dryRun);
      } catch (error) {
        // A failure outside any one Marketo call (a bug): the records without an outcome go back to the host.
        this.logger.error('A delivery round failed unexpectedly; its records are reported retryable', { activationId: activation.id, error });
        for (const state of held) if (!state.failure && !state.skip) state.failure = { ...this.failure(error), outcome: 'retryable' };
      }
      const again: LeadGroup[] = [];
      for (const state of held) {
        if (!state.again) continue;
        if (sentAgain.has(state.group)) {
          state.failure = state.again;
        } else {
          sentAgain.add(state.group);
          states.set(state.group, freshState(state.group));
          again.push(state.group);
        }
      }
      pending = [...round.deferred, ...again];
    }
    return [...states.values()];
  }

  /** Runs the write phase holding the round's locks; a failure there fails the round's records that have no outcome yet. */
  private async withLock(round: LockedRound, work: () => Promise<Map<string, LeadCacheEntry>>): Promise<Map<string, LeadCacheEntry>> {
    try {
      return await work();
    } finally {
      await round.release();
    }
  }

  /** Cache and lookups, the plan, then updates and creates. Returns the cache entries read. */
  private async writePhase(activation: Activation, held: GroupState[], cache: LeadCache, meter: CallMeter, dryRun: boolean): Promise<Map<string, LeadCacheEntry>> {
    let entries: Map<string, LeadCacheEntry>;
    try {
      entries = await cache.read(held.map((s) => this.cacheKey(activation, s.group)));
    } catch (error) {
      for (const state of held) state.failure = this.failure(error);
      return new Map();
    }
    const byGroup = new Map(held.map((s) => [s, entries.get(this.cacheKey(activation, s.group))]));
    await this.match(activation, held.filter((s) => !byGroup.get(s)), meter);
    for (const [state, entry] of byGroup) {
      if (entry) {
        state.leadId = entry.leadId;
        state.fromCache = true;
      }
    }

    const context: WriteContext = { rules: syncRules(activation.config), config: activation.config, requiredToCreate: this.requiredToCreate };
    const updates: Array<{ state: GroupState; leadId: number; fields: ReadonlyMap<string, string | number | boolean> }> = [];
    const creates: Array<{ state: GroupState; fields: ReadonlyMap<string, string | number | boolean> }> = [];
    for (const state of held) {
      if (state.failure) continue;
      const decision = decideWrite(state.group, state.leadId, byGroup.get(state), context);
      if (decision.kind === 'update') updates.push({ state, leadId: decision.leadId, fields: decision.fields });
      else if (decision.kind === 'create') creates.push({ state, fields: decision.fields });
      else if (decision.kind === 'skip') state.skip = decision.reason;
      else if (decision.kind === 'reject') state.failure = { outcome: 'rejected', reason: decision.reason };
    }
    for (const { state } of [...updates, ...creates]) state.sent = true;
    if (dryRun) {
      for (const { state } of updates) this.updated(state);
      for (const { state } of creates) {
        state.created = true;
        state.actions.push('created');
      }
      return entries;
    }

    const confirmed: LeadCacheUpdate[] = [];
    const caching = this.options.leadCache !== undefined;
    const [updated, created] = await Promise.all([
      this.writes.update(activation, updates, meter),
      this.writes.create(activation, creates.map(({ state, fields }) => ({ dedupeValue: state.group.dedupeValue, fields })), meter),
    ]);
    updates.forEach(({ state, leadId, fields }, i) => {
      if (this.applyUpdate(state, updated[i]!) && caching) confirmed.push({ key: this.cacheKey(activation, state.group), leadId, fields: digestsOf(fields) });
    });
    creates.forEach(({ state, fields }, i) => {
      if (this.applyCreate(state, created[i]!) && caching) {
        // A lead just created is in no list: the audiences it left need no removal next time either.
        const left = [...activation.lists].filter(([audienceId]) => state.group.memberships.get(audienceId) === 'exited');
        confirmed.push({ key: this.cacheKey(activation, state.group), leadId: state.leadId!, fields: digestsOf(fields), lists: new Map(left.map(([, list]) => [list.listId, 'remove' as const])) });
      }
    });
    await this.remember(cache, confirmed, held.filter((s) => s.again && s.fromCache).map((s) => this.cacheKey(activation, s.group)));
    return entries;
  }

  /** Looks up the groups the cache does not know, through the activation's shared lookups. */
  private async match(activation: Activation, states: GroupState[], meter: CallMeter): Promise<void> {
    if (states.length === 0) return;
    const { field, dataType } = activation.mapping.dedupe;
    const scope = { activationId: activation.id, target: activation.target, field, dataType };
    const outcomes = await this.matcher.match(scope, states.map((s) => ({ key: s.group.key, value: s.group.dedupeValue })), meter);
    for (const state of states) {
      const outcome = outcomes.get(state.group.key)!;
      if (outcome.status === 'found') state.leadId = outcome.lead.id;
      else if (outcome.status === 'failed') state.failure = this.failure(outcome.error);
      else if (outcome.status === 'tooBroad') {
        state.failure = {
          outcome: 'rejected',
          reason: { code: 'MARKETO_REJECTED', marketoCode: '1003', message: `More than 1 000 Marketo leads share this profile's ${field}: Marketo cannot list them, so none can be chosen.` },
        };
      }
    }
  }

  private updated(state: GroupState): void {
    state.updated = true;
    state.actions.push('updated');
  }

  /** True when Marketo confirmed the update. */
  private applyUpdate(state: GroupState, answer: Settled<Answered<SyncOutcome>>): boolean {
    if (!answer.ok) {
      state.failure = this.failure(answer.error);
      return false;
    }
    const outcome: SyncOutcome = answer.value;
    const { requestId } = answer.value;
    switch (outcome.status) {
      case 'updated':
      case 'created':
        this.updated(state);
        return true;
      case 'skipped':
        if (outcome.reason.code === LEAD_GONE && state.fromCache) {
          // The cache remembered a lead that was deleted or merged since: look the profile up again.
          state.again = failureFromRecord(outcome.reason, UPDATE_RETRY_ON_REPLAY, requestId);
        } else {
          state.failure = failureFromRecord(outcome.reason, UPDATE_RETRY_ON_REPLAY, requestId);
        }
        return false;
      case 'unclear':
        state.failure = unclearFailure(outcome.detail, requestId);
        return false;
    }
  }

  /** True when Marketo confirmed the create; a lead created meanwhile (1005) goes around again. */
  private applyCreate(state: GroupState, answer: Settled<Answered<SyncOutcome>>): boolean {
    if (!answer.ok) {
      state.failure = this.failure(answer.error);
      return false;
    }
    const outcome: SyncOutcome = answer.value;
    const { requestId } = answer.value;
    switch (outcome.status) {
      case 'created':
      case 'updated':
        state.leadId = outcome.id;
        state.created = true;
        state.actions.push('created');
        return true;
      case 'skipped':
        if (outcome.reason.code === LEAD_EXISTS) {
          state.again = failureFromRecord({ code: LEAD_EXISTS, message: 'Lead already exists, but the lookup did not find it yet' }, new Set([LEAD_EXISTS]), requestId);
        } else {
          state.failure = failureFromRecord(outcome.reason, undefined, requestId);
        }
        return false;
      case 'unclear':
        // Created or not, we cannot tell: looking the value up again finds the lead if it exists.
        state.again = unclearFailure(outcome.detail, requestId);
        return false;
    }
  }

  /** List membership of every group with a lead, after the locks are released. */
  private async listPhase(activation: Activation, held: GroupState[], entries: Map<string, LeadCacheEntry>, cache: LeadCache, meter: CallMeter, dryRun: boolean): Promise<void> {
    if (!syncRules(activation.config).syncsLists) return;
    const byList = new Map<string, { change: ListChange; states: GroupState[] }>();
    for (const state of held) {
      // A dry run's new lead has no id yet; it would join its lists all the same.
      const leadId = state.leadId ?? (dryRun && state.created ? 0 : undefined);
      if (leadId === undefined || state.failure || state.skip || state.again) continue;
      const entry = entries.get(this.cacheKey(activation, state.group));
      for (const change of planListChanges(state.group, leadId, state.created, activation.lists, entry)) {
        state.sent = true;
        if (dryRun) {
          state.actions.push(`${change.op === 'add' ? 'listAdded' : 'listRemoved'}:${change.audienceId}`);
          continue;
        }
        const key = `${change.listId}:${change.op}:${change.audienceId}`;
        const planned = byList.get(key) ?? { change, states: [] };
        planned.states.push(state);
        byList.set(key, planned);
      }
    }
    const confirmed: LeadCacheUpdate[] = [];
    await Promise.all(
      [...byList.values()].map(async ({ change, states }) => {
        const answers = await this.writes.changeList(activation, change.listId, change.op, states.map((s) => s.leadId!), meter);
        states.forEach((state, i) => {
          if (this.applyListChange(state, change, answers[i]!)) {
            confirmed.push({ key: this.cacheKey(activation, state.group), leadId: state.leadId!, lists: new Map([[change.listId, change.op]]) });
          }
        });
      }),
    );
    await this.remember(cache, confirmed, held.filter((s) => s.again && s.fromCache).map((s) => this.cacheKey(activation, s.group)));
  }

  /** True when Marketo confirmed the membership. */
  private applyListChange(state: GroupState, change: ListChange, answer: Settled<Answered<MembershipOutcome>>): boolean {
    if (!answer.ok) {
      state.failure = this.failure(answer.error);
      return false;
    }
    const outcome = answer.value;
    if (outcome.status === 'inList' || outcome.status === 'notInList') {
      if (outcome.status === 'notInList' && outcome.reason?.code === LEAD_GONE && state.fromCache) {
        state.again = failureFromRecord(outcome.reason, UPDATE_RETRY_ON_REPLAY, outcome.requestId);
        return false;
      }
      state.actions.push(`${change.op === 'add' ? 'listAdded' : 'listRemoved'}:${change.audienceId}`);
      return true;
    }
    if (outcome.reason.code === LEAD_GONE && state.fromCache) {
      state.again = failureFromRecord(outcome.reason, UPDATE_RETRY_ON_REPLAY, outcome.requestId);
    } else {
      state.failure = failureFromRecord(outcome.reason, undefined, outcome.requestId);
    }
    return false;
  }

  /** Remembers what Marketo confirmed and forgets leads found gone; the cache failing never fails a record. */
  private async remember(cache: LeadCache, confirmed: LeadCacheUpdate[], gone: string[]): Promise<void> {
    try {
      if (gone.length > 0) await cache.forget(gone);
      if (confirmed.length > 0) await cache.record(confirmed);
    } catch (error) {
      this.logger.warn('Could not update the lead cache; the next delivery looks these leads up again', { error });
    }
  }

  private cacheKey(activation: Activation, group: LeadGroup): string {
    return instanceValueKey(activation, group.key);
  }

  private failure(error: unknown): Failure {
    return failureFromError(error, this.now(), this.options);
  }
}

function unclearFailure(detail: string, requestId: string | undefined): Failure {
  return {
    outcome: 'retryable',
    reason: { code: 'MARKETO_UNAVAILABLE', message: `${detail}; send the profile again`, ...(requestId && { requestId }) },
    retryAfterMs: 0,
  };
}
