import { inject, injectable } from 'inversify';
import type { Activation } from '../activation/activations.js';
import { MarketoTransportError } from '../errors.js';
import { classifyFailure } from '../marketo/classify.js';
import type { CallMeter } from '../marketo/client.js';
import { firstReason, type RecordStatus } from '../marketo/envelope.js';
import { LeadsApi } from '../marketo/endpoints/leads.js';
import { ListMembershipApi } from '../marketo/endpoints/list-membership.js';
import { LeadMatcher } from '../matching/lead-matcher.js';
import type { ResolvedOptions } from '../options.js';
import { chunk, mapConcurrently } from '../support/concurrency.js';
import type { SharedState, WriteLease } from '../state/shared-state.js';
import { TOKENS, type Clock } from '../tokens.js';
import type { RecordReason } from '../types.js';
import { failureFromError, failureFromRecord, type Failure } from './failures.js';
import type { DestinationManifest } from '../manifest/types.js';
import { decideWrite, fieldsRequiredToCreate, syncRules, type LeadGroup } from './plan.js';

/** What happened to one lead group during a delivery. */
export interface GroupState {
  group: LeadGroup;
  leadId?: number;
  created: boolean;
  updated: boolean;
  actions: string[];
  failure?: Failure;
  skip?: RecordReason;
}

/** A lead deleted between lookup and update: sending the profile again re-matches it. */
const UPDATE_RETRY_ON_REPLAY = new Set(['1004']);
/** Answers to a list add that mean the lead really is not in the list. */
const ADD_FAILED = new Set(['1003', '1004', '1013']);
const NOT_A_MEMBER = '1015';

/**
 * Carries out a delivery plan against Marketo: match (lookups), then the writes packed into
 * full batches — updates by id, creates with the partition, a 1005 race looked up and
 * updated — then list membership per audience. Result `i` of every call belongs to input `i`.
 */
@injectable()
export class DeliveryRunner {
  private readonly requiredToCreate: string[];

  constructor(
    @inject(LeadMatcher) private readonly matcher: LeadMatcher,
    @inject(LeadsApi) private readonly leads: LeadsApi,
    @inject(ListMembershipApi) private readonly membership: ListMembershipApi,
    @inject(TOKENS.Manifest) manifest: DestinationManifest,
    @inject(TOKENS.Options) private readonly options: ResolvedOptions,
    @inject(TOKENS.Clock) private readonly now: Clock,
    @inject(TOKENS.SharedState) private readonly state: SharedState,
  ) {
    this.requiredToCreate = fieldsRequiredToCreate(manifest);
  }

  async run(activation: Activation, groups: LeadGroup[], meter: CallMeter): Promise<GroupState[]> {
    const states: GroupState[] = groups.map((group) => ({ group, created: false, updated: false, actions: [] }));
    const rules = syncRules(activation.config);
    await this.match(activation, states, meter);

    const updates: GroupState[] = [];
    const creates: GroupState[] = [];
    for (const state of states) {
      if (state.failure) continue;
      const decision = decideWrite(state.group, state.leadId !== undefined, rules, activation.config, this.requiredToCreate);
      if (decision.kind === 'update') updates.push(state);
      else if (decision.kind === 'create') creates.push(state);
      else if (decision.kind === 'skip') state.skip = decision.reason;
      else if (decision.kind === 'reject') state.failure = { outcome: 'rejected', reason: decision.reason };
    }
    const lease = await this.lockAll([...updates, ...creates].map((s) => `${activation.target.instanceKey}|${activation.config.dedupeField}|${s.group.key}`));
    try {
      await Promise.all([this.update(activation, updates, meter), this.create(activation, creates, meter)]);
    } finally {
      await lease.release();
    }
    if (rules.syncsLists) await this.syncLists(activation, states, meter);
    return states;
  }

  /** All keys at once or none: never holds some while waiting for others. */
  private async lockAll(keys: string[]): Promise<WriteLease> {
    for (;;) {
      const { lease, busy } = await this.state.writeLocks.tryAcquire(keys);
      if (busy.length === 0) return lease;
      await lease.release();
      await this.state.writeLocks.waitForRelease(busy, 30_000);
    }
  }

  private get batchSize(): number {
    return this.options.limits.batchSize;
  }

  private async match(activation: Activation, states: GroupState[], meter: CallMeter): Promise<void> {
    const { field, dataType } = activation.mapping.dedupe;
    await this.inBatches(states, async (part) => {
      const found = await this.matcher.matchChunk(activation.target, field, dataType, part.map((s) => s.group.dedupeValue), meter);
      for (const state of part) {
        const lead = found.get(state.group.key);
        if (lead) state.leadId = lead.id;
      }
    });
  }

  private async update(activation: Activation, states: GroupState[], meter: CallMeter): Promise<void> {
    await this.inBatches(states, async (batch) => {
      const input = batch.map((s) => ({ id: s.leadId!, ...Object.fromEntries(s.group.fields) }));
      const results = await this.leads.sync(activation.target, { action: 'updateOnly', lookupField: 'id', input }, meter);
      checkResultCount(results, batch.length, 'POST /rest/v1/leads.json (updateOnly)');
      batch.forEach((state, i) => {
        const result = results[i]!;
        if (result.status === 'updated') {
          state.updated = true;
          state.actions.push('updated');
        } else {
          state.failure = failureFromRecord(firstReason(result), UPDATE_RETRY_ON_REPLAY);
        }
      });
    });
  }

  private async create(activation: Activation, states: GroupState[], meter: CallMeter): Promise<void> {
    const { dedupeField } = activation.config;
    const raced: GroupState[] = [];
    await this.inBatches(states, async (batch) => {
      const input = batch.map((s) => ({ ...Object.fromEntries(s.group.fields), [dedupeField]: s.group.dedupeValue }));
      const partitionName = activation.config.partition ?? 'Default';
      const results = await this.leads.sync(activation.target, { action: 'createOnly', lookupField: dedupeField, partitionName, input }, meter);
      checkResultCount(results, batch.length, 'POST /rest/v1/leads.json (createOnly)');
      batch.forEach((state, i) => {
        const result = results[i]!;
        const reason = firstReason(result);
        if (result.status === 'created' && typeof result.id === 'number') {
          state.leadId = result.id;
          state.created = true;
          state.actions.push('created');
        } else if (reason?.code === '1005') {
          raced.push(state);
        } else {
          state.failure = failureFromRecord(reason);
        }
      });
    });
    if (raced.length === 0) return;
    // 1005: another writer created the lead meanwhile — look it up again and update it.
    await this.match(activation, raced, meter);
    for (const state of raced) {
      if (!state.failure && state.leadId === undefined) {
        state.failure = failureFromRecord({ code: '1005', message: 'Lead already exists, but the lookup did not find it yet' }, new Set(['1005']));
      }
    }
    await this.update(activation, raced.filter((s) => !s.failure && s.leadId !== undefined), meter);
  }

  private async syncLists(activation: Activation, states: GroupState[], meter: CallMeter): Promise<void> {
    const work: Array<{ audienceId: string; listId: number; op: 'add' | 'remove'; members: GroupState[] }> = [];
    for (const [audienceId, list] of Object.entries(activation.lists)) {
      const adds: GroupState[] = [];
      const removes: GroupState[] = [];
      for (const state of states) {
        if (state.failure || state.leadId === undefined) continue;
        const status = state.group.memberships.get(audienceId);
        if (status === 'realized' || status === 'existing') adds.push(state);
        // A lead created in this delivery cannot be a member yet: nothing to remove.
        else if (status === 'exited' && !state.created) removes.push(state);
      }
      for (const members of chunk(adds, this.batchSize)) work.push({ audienceId, listId: list.listId, op: 'add', members });
      for (const members of chunk(removes, this.batchSize)) work.push({ audienceId, listId: list.listId, op: 'remove', members });
    }
    await mapConcurrently(work, this.options.limits.maxConcurrent, async ({ audienceId, listId, op, members }) => {
      try {
        const ids = members.map((s) => s.leadId!);
        const results = op === 'add'
          ? await this.membership.add(activation.target, listId, ids, meter)
          : await this.membership.remove(activation.target, listId, ids, meter);
        checkResultCount(results, members.length, `${op === 'add' ? 'POST' : 'DELETE'} /rest/v1/lists/${listId}/leads.json`);
        members.forEach((state, i) => this.applyMembership(state, results[i]!, op, audienceId));
      } catch (error) {
        this.failAll(members, error);
      }
    });
  }

  private applyMembership(state: GroupState, result: RecordStatus, op: 'add' | 'remove', audienceId: string): void {
    const reason = firstReason(result);
    if (op === 'add') {
      // Adding an existing member is undocumented: Marketo may answer `added` or a skip.
      if (result.status === 'added' || (result.status === 'skipped' && !ADD_FAILED.has(reason?.code ?? ''))) state.actions.push(`listAdded:${audienceId}`);
      else state.failure = failureFromRecord(reason);
    } else if (result.status === 'removed' || reason?.code === NOT_A_MEMBER) {
      state.actions.push(`listRemoved:${audienceId}`);
    } else {
      state.failure = failureFromRecord(reason);
    }
  }

  /** Runs `send` over full batches, concurrently within the limit; a failed call fails its batch. */
  private async inBatches(states: GroupState[], send: (batch: GroupState[]) => Promise<void>): Promise<void> {
    await mapConcurrently(chunk(states, this.batchSize), this.options.limits.maxConcurrent, (batch) => this.sendSplitting(batch, send));
  }

  /** Marketo's 604 means the batch took too long: send it again in halves. */
  private async sendSplitting(batch: GroupState[], send: (batch: GroupState[]) => Promise<void>): Promise<void> {
    try {
      await send(batch);
    } catch (error) {
      if (classifyFailure(error) !== 'split' || batch.length === 1) return this.failAll(batch, error);
      const half = Math.ceil(batch.length / 2);
      await this.sendSplitting(batch.slice(0, half), send);
      await this.sendSplitting(batch.slice(half), send);
    }
  }

  private failAll(states: GroupState[], error: unknown): void {
    const failure = failureFromError(error, this.now(), this.options);
    for (const state of states) state.failure = failure;
  }
}

/** Marketo returns one result per input, in order; anything else cannot be attributed. */
export function checkResultCount(results: RecordStatus[], expected: number, operation: string): void {
  if (results.length !== expected) {
    throw new MarketoTransportError(operation, 200, undefined, `Marketo returned ${results.length} results for ${expected} records`);
  }
}
