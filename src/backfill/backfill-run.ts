import type { Activation } from '../activation/activations.js';
import type { LeadGroup } from '../delivery/coalesce.js';
import { coalesce } from '../delivery/coalesce.js';
import { failureFromError, type Failure } from '../delivery/failures.js';
import type { ProfileIntake } from '../delivery/intake.js';
import { decideWrite, digestsOf, planListChanges, type ListChange, type WriteContext } from '../delivery/planner.js';
import { resultOf } from '../delivery/report.js';
import type { RestWrites } from '../delivery/rest-writes.js';
import type { WriteLocking } from '../delivery/write-locking.js';
import { CallMeter } from '../marketo/client.js';
import type { ImportJob, ImportSpec } from '../marketo/endpoints/bulk-import.js';
import type { LeadMatcher } from '../matching/lead-matcher.js';
import type { ResolvedOptions } from '../options.js';
import type { LeadCache, LeadCacheEntry, LeadCacheUpdate } from '../state/lead-cache.js';
import { syncRules } from '../sync-rules.js';
import type { BackfillImport, BackfillPhase, BackfillReport, BackfillRequest, DeliverySummary, ProfileEvent, RecordReason, RecordResult } from '../types.js';
import { ImportBatcher, ImportScheduler, type ImportRow } from './import-batches.js';
import type { ImportOutcome, ImportRunner } from './import-runner.js';

/** Profiles read, intaken and matched together. */
const CHUNK = 2_000;
/** SPEC §8.3: progress at least every 10 000 profiles read. */
const PROGRESS_EVERY = 10_000;
/**
 * Bounded memory: reading waits while this many groups wait for their imports (a few hundred
 * bytes each), which also bounds the rows of a file — a file of list joins (ids only) would
 * otherwise hold a million rows, and all their groups with it.
 */
const MAX_OPEN_GROUPS = 30_000;
const MAX_ROWS_PER_FILE = 30_000;
const MAX_REMOVES_PER_CALL = 300;

/** The write locks of one chunk: released once every field import of its values has ended. */
interface ChunkLock {
  release(): Promise<void>;
  openWrites: number;
  routed: boolean;
}

/** One lead group on its way: what its records' results are read from, and nothing more. */
interface Tracked {
  /** One record id, or the ids of the profiles coalesced into the group. */
  recordIds: string | string[];
  key: string;
  dedupeValue: string;
  leadId?: number;
  fromCache: boolean;
  created: boolean;
  updated: boolean;
  sent: boolean;
  actions: string[];
  failure?: Failure;
  skip?: RecordReason;
  /** Field imports and list operations not answered yet. */
  open: number;
  lock?: ChunkLock;
  /** The list changes still to send, planned before the group's fields and memberships are dropped. */
  changes: ListChange[];
  digests?: Map<string, string>;
}

export interface BackfillServices {
  intake: ProfileIntake;
  matcher: LeadMatcher;
  locking: WriteLocking;
  writes: RestWrites;
  cache: LeadCache;
  runner: (meter: CallMeter) => ImportRunner;
  options: ResolvedOptions;
  requiredToCreate: string[];
  now: () => number;
}

/**
 * One backfill (SPEC §8.3): the input is read as a stream in chunks, matched exactly as
 * `deliver` matches (write locks, lead cache, REST lookups, the planner), and written through
 * Bulk Lead Import — updates by id, creates by the dedupe field in the partition, list joins as
 * imports with `listId` — while list removals use the REST call. Reading pauses while too many
 * groups wait for imports, so memory stays bounded whatever the input size. Every input gets
 * exactly one `onResult`.
 */
export class BackfillRun {
  private readonly meter = new CallMeter();
  private readonly summary: DeliverySummary = {
    received: 0, delivered: 0, created: 0, updated: 0, addedToList: 0, removedFromList: 0, skipped: 0, rejected: 0, retryable: 0, unchanged: 0, apiCalls: 0,
  };
  private readonly imports: BackfillImport[] = [];
  /** Rejections by code, for the host's alert. */
  readonly rejectedCodes: Record<string, number> = {};
  private readonly running = new Set<Promise<void>>();
  private readonly scheduler = new ImportScheduler();
  private readonly context: WriteContext;
  private readonly updates: ImportBatcher<Tracked>;
  private readonly creates: ImportBatcher<Tracked>;
  private readonly joins = new Map<string, ImportBatcher<Tracked>>();
  private readonly removes = new Map<number, Array<{ tracked: Tracked; change: ListChange }>>();
  private deferred: LeadGroup[] = [];
  /** Groups without their results yet (a Set: the safety net at the end must find them). */
  private readonly openGroups = new Set<Tracked>();
  private openFieldRows = 0;
  private phase: BackfillPhase = 'matching';
  private progress = { read: 0, matched: 0, imported: 0, done: 0 };
  private importedByJob = new Map<number, number>();
  private nextProgressAt = PROGRESS_EVERY;
  private wake: (() => void) | undefined;

  constructor(
    private readonly activation: Activation,
    private readonly services: BackfillServices,
    private readonly request: BackfillRequest,
  ) {
    const { config, mapping } = activation;
    this.context = { rules: syncRules(config), config, requiredToCreate: services.requiredToCreate };
    const fields = mapping.attributes.map((a) => a.field).filter((f) => f !== config.dedupeField);
    const limits = { maxBytes: services.options.bulk.maxFileBytes, maxRows: MAX_ROWS_PER_FILE };
    this.updates = new ImportBatcher({ lookupField: 'id' }, ['id', ...fields], limits, (spec, rows) => this.launch(spec, 'id', rows, 'fields'));
    this.creates = new ImportBatcher(
      { lookupField: config.dedupeField, partitionName: config.partition ?? 'Default' },
      [config.dedupeField, ...fields],
      limits,
      (spec, rows) => this.launch(spec, config.dedupeField, rows, 'fields'),
    );
  }

  async execute(): Promise<BackfillReport> {
    this.report(true);
    let index = 0;
    let chunk: ProfileEvent[] = [];
    for await (const profile of this.request.profiles as AsyncIterable<ProfileEvent>) {
      chunk.push(profile);
      if (chunk.length >= CHUNK) {
        await this.take(chunk, index);
        index += chunk.length;
        chunk = [];
      }
    }
    if (chunk.length > 0) await this.take(chunk, index);
    this.setPhase('importing');
    // Values another delivery (or an earlier chunk of this one) held: once their imports end.
    while (this.deferred.length > 0) {
      this.flushFields();
      const groups = this.deferred;
      this.deferred = [];
      await this.match(groups, true);
    }
    this.flushFields();
    await this.settle(() => this.openFieldRows > 0);
    this.setPhase('lists');
    this.flushLists();
    await this.settle(() => this.running.size > 0);
    // A safety net: every input gets a result, even if a group was left waiting by a bug.
    for (const t of this.openGroups) this.finish(t, { outcome: 'retryable', reason: { code: 'MARKETO_UNAVAILABLE', message: 'The record was not processed; send it again.' }, retryAfterMs: 0 });
    this.setPhase('done');
    this.summary.apiCalls = this.meter.calls;
    return { activationId: this.activation.id, summary: { ...this.summary }, imports: [...this.imports] };
  }

  /** Intake and matching of one chunk, after waiting for room. */
  private async take(profiles: ProfileEvent[], firstIndex: number): Promise<void> {
    while (this.openGroups.size >= MAX_OPEN_GROUPS) {
      // Nothing running means nothing will end on its own: send what waits.
      if (this.running.size === 0) this.flushAll();
      await this.nextEvent();
    }
    const { accepted, rejected } = this.services.intake.take(this.activation, profiles, firstIndex);
    this.progress.read += profiles.length;
    for (const rejection of rejected) this.finishRecord({ recordId: rejection.recordId, outcome: 'rejected', actions: [], reason: rejection.reason });
    this.progress.matched += rejected.length;
    await this.match(coalesce(accepted), false);
    this.report();
  }

  /** Locks, cache, lookups and the plan of a set of groups; each goes on to its imports or finishes. */
  private async match(groups: LeadGroup[], wait: boolean): Promise<void> {
    if (groups.length === 0) return;
    const { activation, services } = this;
    let round;
    try {
      round = await services.locking.take(activation, groups, wait ? undefined : 0);
    } catch (error) {
      for (const group of groups) this.finish(this.track(group), this.failure(error));
      return;
    }
    this.deferred.push(...round.deferred);
    const lock: ChunkLock = { release: round.release, openWrites: 0, routed: false };
    const tracked = round.held.map((group) => ({ group, tracked: this.track(group) }));
    try {
      const keys = round.held.map((g) => this.cacheKey(g));
      const entries = await services.cache.read(keys);
      const lookups = tracked.filter(({ group }) => !entries.has(this.cacheKey(group)));
      const { field, dataType } = activation.mapping.dedupe;
      const scope = { activationId: activation.id, target: activation.target, field, dataType };
      const outcomes = lookups.length === 0 ? new Map() : await services.matcher.match(scope, lookups.map(({ group }) => ({ key: group.key, value: group.dedupeValue })), this.meter);
      for (const { group, tracked: t } of tracked) {
        const entry = entries.get(this.cacheKey(group));
        const outcome = outcomes.get(group.key);
        if (entry) Object.assign(t, { leadId: entry.leadId, fromCache: true });
        else if (outcome?.status === 'found') t.leadId = outcome.lead.id;
        else if (outcome?.status === 'failed') t.failure = this.failure(outcome.error);
        else if (outcome?.status === 'tooBroad') {
          t.failure = { outcome: 'rejected', reason: { code: 'MARKETO_REJECTED', marketoCode: '1003', message: `More than 1 000 Marketo leads share this profile's ${field}: none can be chosen.` } };
        }
        this.route(group, t, entry, lock);
      }
      this.progress.matched += groups.reduce((n, g) => n + g.records.length, 0);
    } catch (error) {
      for (const { tracked: t } of tracked) if (t.open === 0 && !this.isFinished(t)) this.finish(t, this.failure(error));
    } finally {
      lock.routed = true;
      if (lock.openWrites === 0) await lock.release();
    }
  }

  /** The plan of one group: skip, reject, write through an import, or go straight to its lists. */
  private route(group: LeadGroup, t: Tracked, entry: LeadCacheEntry | undefined, lock: ChunkLock): void {
    if (t.failure) return this.finish(t);
    const decision = decideWrite(group, t.leadId, entry, this.context);
    if (this.context.rules.syncsLists && decision.kind !== 'skip' && decision.kind !== 'reject') {
      t.changes = planListChanges(group, t.leadId ?? 0, decision.kind === 'create', this.activation.lists, entry);
    }
    switch (decision.kind) {
      case 'skip':
        return this.finish(t, undefined, decision.reason);
      case 'reject':
        return this.finish(t, { outcome: 'rejected', reason: decision.reason });
      case 'none':
        return this.sendLists(t);
      case 'update':
        t.digests = digestsOf(decision.fields);
        this.write(t, lock, this.updates, String(decision.leadId), new Map([['id', decision.leadId], ...decision.fields]));
        return;
      case 'create':
        this.write(t, lock, this.creates, group.dedupeValue, new Map([...decision.fields, [this.activation.config.dedupeField, group.dedupeValue]]));
        return;
    }
  }

  private write(t: Tracked, lock: ChunkLock, batcher: ImportBatcher<Tracked>, key: string, values: Map<string, unknown>): void {
    t.sent = true;
    t.open++;
    this.openFieldRows++;
    t.lock = lock;
    lock.openWrites++;
    batcher.add(t, key, values);
  }

  /** Joins as imports per list (matched leads by id, new ones by the dedupe value), removals by REST. */
  private sendLists(t: Tracked): void {
    const { dedupeField, partition } = this.activation.config;
    for (const change of t.changes) {
      t.sent = true;
      t.open++;
      if (change.op === 'remove') {
        const pending = this.removes.get(change.listId) ?? [];
        pending.push({ tracked: t, change });
        this.removes.set(change.listId, pending);
        if (pending.length >= MAX_REMOVES_PER_CALL) this.flushRemoves(change.listId);
        continue;
      }
      const byId = t.leadId !== undefined;
      const name = `${change.listId}:${byId ? 'id' : 'value'}`;
      let batcher = this.joins.get(name);
      if (!batcher) {
        const keyColumn = byId ? 'id' : dedupeField;
        // Joining by the dedupe value may only find the lead just created: never create one here.
        const spec = byId ? { lookupField: 'id', listId: change.listId } : { lookupField: dedupeField, listId: change.listId, partitionName: partition ?? 'Default' };
        batcher = new ImportBatcher<Tracked>(spec, [keyColumn], { maxBytes: this.services.options.bulk.maxFileBytes, maxRows: MAX_ROWS_PER_FILE }, (s, rows) =>
          this.launch(s, keyColumn, rows, { audienceId: change.audienceId, listId: change.listId }),
        );
        this.joins.set(name, batcher);
      }
      batcher.add(t, byId ? String(t.leadId) : t.dedupeValue, new Map([[byId ? 'id' : dedupeField, byId ? t.leadId : t.dedupeValue]]));
    }
    if (t.open === 0) this.finish(t);
  }

  /** Runs an import job (within the queue discipline) and hands each row its outcome. */
  private launch(spec: ImportSpec, keyColumn: string, rows: Array<ImportRow<Tracked>>, kind: 'fields' | { audienceId: string; listId: number }): void {
    const work = this.scheduler
      .run(spec.listId, () => this.services.runner(this.meter).run(spec, keyColumn, (job) => this.observe(job)))
      .then(
        (outcome) => this.imported(outcome, rows, kind),
        (error: unknown) => {
          const failure = this.failure(error);
          for (const { owner } of rows) this.rowDone(owner, kind, failure);
        },
      )
      .finally(() => {
        this.running.delete(work);
        this.signal();
      });
    this.running.add(work);
  }

  private imported(outcome: ImportOutcome, rows: Array<ImportRow<Tracked>>, kind: 'fields' | { audienceId: string; listId: number }): void {
    const { job } = outcome;
    this.imports.push({ batchId: job.batchId, status: job.status, rows: rows.length, failed: job.numOfRowsFailed, warnings: job.numOfRowsWithWarning });
    const jobFailed: Failure | undefined =
      job.status === 'Failed'
        ? { outcome: 'retryable', reason: { code: 'MARKETO_UNAVAILABLE', message: `The bulk import ${job.batchId} failed: ${job.message}` }, retryAfterMs: this.services.options.bulk.pollIntervalMs }
        : undefined;
    const cached: LeadCacheUpdate[] = [];
    for (const { key, owner } of rows) {
      const refused = outcome.failures.get(key);
      const failure: Failure | undefined =
        jobFailed ?? (refused !== undefined ? { outcome: 'rejected', reason: { code: 'MARKETO_REJECTED', message: `Marketo's bulk import refused the row: ${refused}` } } : undefined);
      if (!failure && owner.leadId !== undefined) {
        const update = { key: this.cacheKeyOf(owner), leadId: owner.leadId };
        if (kind === 'fields' && owner.digests) cached.push({ ...update, fields: owner.digests });
        if (kind !== 'fields') cached.push({ ...update, lists: new Map([[kind.listId, 'add' as const]]) });
      }
      this.rowDone(owner, kind, failure);
    }
    void this.services.cache.record(cached).catch(() => {});
  }

  /** One row of an import (or a removal) answered. */
  private rowDone(t: Tracked, kind: 'fields' | { audienceId: string; listId: number } | { removed: string }, failure: Failure | undefined): void {
    t.open--;
    if (kind === 'fields') {
      this.openFieldRows--;
      const lock = t.lock!;
      if (--lock.openWrites === 0 && lock.routed) void lock.release();
      if (failure) {
        t.failure = failure;
      } else if (t.leadId === undefined) {
        t.created = true;
        t.actions.push('created');
      } else {
        t.updated = true;
        t.actions.push('updated');
      }
      if (!failure) this.sendLists(t);
      else if (t.open === 0) this.finish(t);
      return;
    }
    if (failure) t.failure = failure;
    else t.actions.push('removed' in kind ? this.action('listRemoved', kind.removed) : this.action('listAdded', kind.audienceId));
    if (t.open === 0) this.finish(t);
  }

  private flushRemoves(listId: number): void {
    const pending = this.removes.get(listId) ?? [];
    this.removes.delete(listId);
    if (pending.length === 0) return;
    const work = this.services.writes
      .changeList(this.activation, listId, 'remove', pending.map(({ tracked }) => tracked.leadId!), this.meter)
      .then((answers) => {
        const cached: LeadCacheUpdate[] = [];
        pending.forEach(({ tracked, change }, i) => {
          const answer = answers[i]!;
          let failure: Failure | undefined;
          if (!answer.ok) failure = this.failure(answer.error);
          else if (answer.value.status === 'skipped') failure = { outcome: 'rejected', reason: { code: 'MARKETO_REJECTED', message: `Marketo skipped the record: ${answer.value.reason.code} ${answer.value.reason.message}`, marketoCode: answer.value.reason.code } };
          else cached.push({ key: this.cacheKeyOf(tracked), leadId: tracked.leadId!, lists: new Map([[listId, 'remove' as const]]) });
          this.rowDone(tracked, { removed: change.audienceId }, failure);
        });
        void this.services.cache.record(cached).catch(() => {});
      })
      .finally(() => {
        this.running.delete(work);
        this.signal();
      });
    this.running.add(work);
  }

  private flushFields(): void {
    this.updates.flush();
    this.creates.flush();
  }

  private flushLists(): void {
    for (const batcher of this.joins.values()) batcher.flush();
    for (const listId of [...this.removes.keys()]) this.flushRemoves(listId);
  }

  private flushAll(): void {
    this.flushFields();
    this.flushLists();
  }

  /** Waits until `busy` says the stage is over, sending what waits in a file whenever nothing runs. */
  private async settle(busy: () => boolean): Promise<void> {
    for (;;) {
      if (this.running.size === 0) this.flushAll();
      if (!busy()) return;
      if (this.running.size === 0) return; // nothing can end any more: the safety net takes over
      await this.nextEvent();
    }
  }

  private nextEvent(): Promise<void> {
    return new Promise<void>((resolve) => (this.wake = resolve));
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
    this.report();
  }

  private observe(job: ImportJob): void {
    this.importedByJob.set(job.batchId, job.numOfLeadsProcessed);
    this.progress.imported = [...this.importedByJob.values()].reduce((n, v) => n + v, 0);
  }

  /** One string per action name and audience, shared by every group. */
  private readonly actionNames = new Map<string, string>();

  private action(name: 'listAdded' | 'listRemoved', audienceId: string): string {
    const key = `${name}:${audienceId}`;
    let shared = this.actionNames.get(key);
    if (!shared) this.actionNames.set(key, (shared = key));
    return shared;
  }

  private track(group: LeadGroup): Tracked {
    const t: Tracked = {
      recordIds: group.records.map((r) => r.recordId),
      key: group.key,
      dedupeValue: group.dedupeValue,
      fromCache: false,
      created: false,
      updated: false,
      sent: false,
      actions: [],
      open: 0,
      changes: [],
    };
    this.openGroups.add(t);
    return t;
  }

  private isFinished(t: Tracked): boolean {
    return !this.openGroups.has(t);
  }

  /** Every record of the group gets its result, once. */
  private finish(t: Tracked, failure?: Failure, skip?: RecordReason): void {
    if (!this.openGroups.delete(t)) return;
    if (failure) t.failure = failure;
    if (skip) t.skip = skip;
    if (t.created) this.summary.created++;
    if (t.updated) this.summary.updated++;
    this.summary.addedToList += t.actions.filter((a) => a.startsWith('listAdded:')).length;
    this.summary.removedFromList += t.actions.filter((a) => a.startsWith('listRemoved:')).length;
    for (const recordId of typeof t.recordIds === 'string' ? [t.recordIds] : t.recordIds) this.finishRecord(resultOf(recordId, t));
  }

  private finishRecord(result: RecordResult): void {
    this.summary.received++;
    this.summary[result.outcome]++;
    if (result.outcome === 'rejected' && result.reason) {
      const code = result.reason.marketoCode ? `${result.reason.code}:${result.reason.marketoCode}` : result.reason.code;
      this.rejectedCodes[code] = (this.rejectedCodes[code] ?? 0) + 1;
    }
    if (result.actions.length === 1 && result.actions[0] === 'unchanged') this.summary.unchanged++;
    this.progress.done++;
    try {
      this.request.onResult?.(result);
    } catch {
      // A host callback that throws never changes what the backfill does.
    }
  }

  private setPhase(phase: BackfillPhase): void {
    if (this.phase === phase) return;
    this.phase = phase;
    this.report(true);
  }

  private report(force = false): void {
    if (!force && this.progress.read < this.nextProgressAt) return;
    while (this.nextProgressAt <= this.progress.read) this.nextProgressAt += PROGRESS_EVERY;
    try {
      this.request.onProgress?.({ phase: this.phase, ...this.progress });
    } catch {
      // As with onResult.
    }
  }

  private cacheKey(group: LeadGroup): string {
    return `${this.activation.target.instanceKey}|${this.activation.config.dedupeField}|${group.key}`;
  }

  private cacheKeyOf(t: Tracked): string {
    return `${this.activation.target.instanceKey}|${this.activation.config.dedupeField}|${t.key}`;
  }

  private failure(error: unknown): Failure {
    return failureFromError(error, this.services.now(), this.services.options);
  }
}
