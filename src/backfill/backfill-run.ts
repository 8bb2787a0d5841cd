import { instanceValueKey, type Activation } from '../activation/activations.js';
import { coalesce, type LeadGroup } from '../delivery/coalesce.js';
import { failureFromError, type Failure } from '../delivery/failures.js';
import type { ProfileIntake } from '../delivery/intake.js';
import { decideWrite, planListChanges, type WriteContext } from '../delivery/planner.js';
import type { RestWrites } from '../delivery/rest-writes.js';
import type { WriteLocking } from '../delivery/write-locking.js';
import { CallMeter } from '../marketo/client.js';
import type { ImportJob, ImportSpec } from '../marketo/endpoints/bulk-import.js';
import type { LeadMatcher } from '../matching/lead-matcher.js';
import type { ResolvedOptions } from '../options.js';
import type { LeadCache, LeadCacheEntry, LeadCacheUpdate } from '../state/lead-cache.js';
import { syncRules } from '../sync-rules.js';
import type { BackfillImport, BackfillPhase, BackfillReport, BackfillRequest, DeliverySummary, ProfileEvent } from '../types.js';
import { ImportBatcher, ImportScheduler, type FileLimits, type ImportRow } from './import-batches.js';
import type { ImportOutcome, ImportRunner } from './import-runner.js';
import { ListStage, type ImportKind } from './list-stage.js';
import { DigestPacker, unpackDigests } from './packed-digests.js';
import { addAction, NO_CHANGES, TrackedGroups, type ChunkLock, type Tracked } from './tracked-groups.js';

/** A value to look up, with its chunk's locks. */
interface PendingLookup {
  group: LeadGroup;
  tracked: Tracked;
  lock: ChunkLock;
}

/**
 * Profiles read, intaken and matched together. Small, because a chunk's profiles and groups are
 * live at once (1 000 rather than 2 000 lowered a million-profile backfill's peak RSS by some
 * 10 MB); lookups go in whole calls across chunks, so the size costs no call.
 */
const CHUNK = 1_000;
/** SPEC §8.3: progress at least every 10 000 profiles read. */
const PROGRESS_EVERY = 10_000;
/**
 * Bounded memory: reading waits while this many groups wait for their imports (a few hundred
 * bytes each), which also bounds the rows of a file — a file of list joins (ids only) would
 * otherwise hold a million rows, and all their groups with it.
 */
const MAX_OPEN_GROUPS = 30_000;
const MAX_ROWS_PER_FILE = 30_000;
/** A file's confirmed rows go to the lead cache this many at a time, not all its rows' updates at once. */
const CACHE_UPDATES_AT_ONCE = 1_000;

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
 * Bulk Lead Import — updates by id and creates by the dedupe field in the partition here, list
 * joins and removals in the list stage. Reading pauses while too many groups wait for imports,
 * so memory stays bounded whatever the input size. Every input gets exactly one `onResult`.
 */
export class BackfillRun {
  private readonly meter = new CallMeter();
  private readonly groups: TrackedGroups;
  private readonly lists: ListStage;
  private readonly imports: BackfillImport[] = [];
  private readonly running = new Set<Promise<void>>();
  private readonly scheduler = new ImportScheduler();
  private readonly context: WriteContext;
  /** Field files by kind and by the list their rows join on the way (one `listId` a file). */
  private readonly fieldFiles = new Map<string, ImportBatcher<Tracked>>();
  private readonly fieldColumns: string[];
  private readonly fileLimits: FileLimits;
  private readonly digests = new DigestPacker();
  private deferred: LeadGroup[] = [];
  /** Cache misses waiting for a whole lookup call, their chunk's locks held. */
  private readonly lookups: PendingLookup[] = [];
  private openFieldRows = 0;
  private phase: BackfillPhase = 'matching';
  private readonly progress = { read: 0, matched: 0, imported: 0 };
  private readonly importedByJob = new Map<number, number>();
  private nextProgressAt = PROGRESS_EVERY;
  private wake: (() => void) | undefined;

  constructor(
    private readonly activation: Activation,
    private readonly services: BackfillServices,
    private readonly request: BackfillRequest,
  ) {
    const { config, mapping } = activation;
    this.context = { rules: syncRules(config), config, requiredToCreate: services.requiredToCreate };
    this.groups = new TrackedGroups(request.onResult);
    this.fieldColumns = mapping.attributes.map((a) => a.field).filter((f) => f !== config.dedupeField);
    this.fileLimits = { maxBytes: services.options.bulk.maxFileBytes, maxRows: MAX_ROWS_PER_FILE };
    this.lists = new ListStage(activation, this.fileLimits, this.groups, {
      launch: (spec, keyColumn, rows, kind) => this.launch(spec, keyColumn, rows, kind),
      remove: (listId, leadIds) => services.writes.changeList(activation, listId, 'remove', leadIds, this.meter),
      remember: (updates) => this.remember(updates),
      running: (work) => this.keepRunning(work),
      failure: (error) => this.failure(error),
      cacheKey: (t) => this.cacheKey(t.key),
    });
  }

  /**
   * Reads, matches and imports the whole input. If the host's stream fails part-way, every
   * profile read before the failure is still carried through (its locks released, its result
   * given) and then the backfill rejects with the stream's own error: the host knows from its
   * results which profiles were done and where to resume.
   */
  async execute(): Promise<BackfillReport> {
    this.report(true);
    let index = 0;
    let chunk: ProfileEvent[] = [];
    let inputFailure: { error: unknown } | undefined;
    let taking = false;
    try {
      for await (const profile of this.request.profiles as AsyncIterable<ProfileEvent>) {
        chunk.push(profile);
        if (chunk.length >= CHUNK) {
          taking = true;
          await this.take(chunk, index);
          taking = false;
          index += chunk.length;
          chunk = [];
        }
      }
    } catch (error) {
      if (taking) throw error;
      inputFailure = { error };
    }
    if (chunk.length > 0) await this.take(chunk, index);
    await this.lookUp(true);
    this.setPhase('importing');
    // Values another delivery (or an earlier chunk of this one) held: once their imports end.
    while (this.deferred.length > 0) {
      this.flushFields();
      await this.match(this.takeDeferred(), true);
    }
    this.flushFields();
    await this.settle(() => this.openFieldRows > 0);
    this.setPhase('lists');
    this.lists.flush();
    await this.settle(() => this.running.size > 0);
    this.groups.finishAllOpen({ outcome: 'retryable', reason: { code: 'MARKETO_UNAVAILABLE', message: 'The record was not processed; send it again.' }, retryAfterMs: 0 });
    this.setPhase('done');
    if (inputFailure) throw inputFailure.error;
    return { activationId: this.activation.id, summary: this.summary, imports: [...this.imports] };
  }

  /** The counts so far (all of them once the run has ended, whether it resolved or rejected). */
  get summary(): DeliverySummary {
    return { ...this.groups.summary, apiCalls: this.meter.calls };
  }

  get rejectedCodes(): Record<string, number> {
    return this.groups.rejectedCodes;
  }

  /** Intake and matching of one chunk, after waiting for room. */
  private async take(profiles: ProfileEvent[], firstIndex: number): Promise<void> {
    while (this.groups.openCount + this.deferred.length >= MAX_OPEN_GROUPS) {
      // Nothing running means nothing of ours will end on its own: look up and send what waits;
      // if there was nothing to send, the busy values are held elsewhere — wait for them.
      if (this.running.size === 0) {
        await this.lookUp(true);
        this.flushAll();
      }
      if (this.running.size > 0) await this.nextEvent();
      else if (this.deferred.length > 0) await this.match(this.takeDeferred(), true);
      else break; // nothing can end on its own: go on rather than wait forever
    }
    const { accepted, rejected } = this.services.intake.take(this.activation, profiles, firstIndex);
    this.progress.read += profiles.length;
    for (const rejection of rejected) this.groups.finishRecord({ recordId: rejection.recordId, outcome: 'rejected', actions: [], reason: rejection.reason });
    this.progress.matched += rejected.length;
    // Values that were busy (often a repeat of a profile whose import is still running) go with
    // this chunk as soon as they are free, rather than piling up until the end — merged with
    // this chunk's profiles of the same value, earlier first: one group per value, so a later
    // event can never be written before an earlier one of the same lead.
    const waiting = this.takeDeferred().flatMap((group) => group.records);
    await this.match(coalesce([...waiting, ...accepted]), false);
    this.report();
  }

  private takeDeferred(): LeadGroup[] {
    const groups = this.deferred;
    this.deferred = [];
    return groups;
  }

  /**
   * Locks, cache, lookups and the plan of a set of groups; each goes on to its imports or
   * finishes. Lookups go in whole calls: the values that would make a chunk's last call a
   * partial one wait, locked, for the next chunk's values — otherwise every chunk would pay a
   * partial lookup (a third more lookups at 1 000 profiles a chunk). `final` (the input has
   * ended, or nothing of this backfill runs): every waiting value is looked up now, and busy
   * values are waited for rather than deferred.
   */
  private async match(groups: LeadGroup[], final: boolean): Promise<void> {
    if (groups.length > 0) await this.lockAndRead(groups, final);
    await this.lookUp(final);
  }

  /** The write locks and the lead cache of a set of groups: a hit goes on to its plan, a miss to the lookups. */
  private async lockAndRead(groups: LeadGroup[], wait: boolean): Promise<void> {
    const { activation, services } = this;
    let round;
    try {
      round = await services.locking.take(activation, groups, { waitWhenNoneFree: wait });
    } catch (error) {
      for (const group of groups) this.groups.finish(this.groups.track(group), this.failure(error));
      return;
    }
    this.deferred.push(...round.deferred);
    const lock: ChunkLock = { release: round.release, open: 0, routed: false };
    const held = round.held.map((group) => ({ group, tracked: this.groups.track(group), lock }));
    try {
      const keys = held.map(({ group }) => this.cacheKey(group.key));
      const entries = await services.cache.read(keys);
      const misses: PendingLookup[] = [];
      held.forEach((pending, i) => {
        const entry = entries.get(keys[i]!);
        if (!entry) return void misses.push(pending);
        Object.assign(pending.tracked, { leadId: entry.leadId, fromCache: true });
        this.route(pending.group, pending.tracked, entry, lock);
      });
      lock.open += misses.length;
      this.lookups.push(...misses);
    } catch (error) {
      for (const { tracked: t } of held) if (t.open === 0 && !this.groups.isFinished(t)) this.groups.finish(t, this.failure(error));
    } finally {
      lock.routed = true;
      if (lock.open === 0) await lock.release();
    }
  }

  /** The waiting lookups in whole calls (all of them when `final`), each value then planned. */
  private async lookUp(final: boolean): Promise<void> {
    const waiting = this.lookups.length;
    const due = this.lookups.splice(0, final ? waiting : waiting - (waiting % this.services.options.limits.batchSize));
    if (due.length === 0) return;
    const { field, dataType } = this.activation.mapping.dedupe;
    const scope = { activationId: this.activation.id, target: this.activation.target, field, dataType };
    try {
      const outcomes = await this.services.matcher.match(scope, due.map(({ group }) => ({ key: group.key, value: group.dedupeValue })), this.meter);
      for (const { group, tracked: t, lock } of due) {
        const outcome = outcomes.get(group.key);
        if (outcome?.status === 'found') t.leadId = outcome.lead.id;
        else if (outcome?.status === 'failed') t.failure = this.failure(outcome.error);
        else if (outcome?.status === 'tooBroad') {
          t.failure = { outcome: 'rejected', reason: { code: 'MARKETO_REJECTED', marketoCode: '1003', message: `More than 1 000 Marketo leads share this profile's ${field}: none can be chosen.` } };
        }
        this.route(group, t, undefined, lock);
      }
    } catch (error) {
      for (const { tracked: t } of due) if (t.open === 0 && !this.groups.isFinished(t)) this.groups.finish(t, this.failure(error));
    } finally {
      for (const { lock } of due) this.unhold(lock);
    }
  }

  /** One of a chunk's values is through (looked up, or its import answered): the last one releases the chunk's locks. */
  private unhold(lock: ChunkLock): void {
    if (--lock.open === 0 && lock.routed) void lock.release();
  }

  /** The plan of one group: skip, reject, write through an import, or go straight to its lists. */
  private route(group: LeadGroup, t: Tracked, entry: LeadCacheEntry | undefined, lock: ChunkLock): void {
    this.progress.matched += group.records.length;
    if (t.failure) return this.groups.finish(t);
    const decision = decideWrite(group, t.leadId, entry, this.context);
    if (this.context.rules.syncsLists && decision.kind !== 'skip' && decision.kind !== 'reject') {
      t.changes = planListChanges(group, t.leadId ?? 0, decision.kind === 'create', this.activation.lists, entry);
    }
    // A written row joins its first list on the way (the file's listId): one import instead of two.
    const carried = decision.kind === 'update' || decision.kind === 'create' ? t.changes.find((c) => c.op === 'add') : undefined;
    if (carried) {
      t.carried = carried;
      t.changes = t.changes.length === 1 ? NO_CHANGES : t.changes.filter((c) => c !== carried);
    }
    switch (decision.kind) {
      case 'skip':
        return this.groups.finish(t, undefined, decision.reason);
      case 'reject':
        return this.groups.finish(t, { outcome: 'rejected', reason: decision.reason });
      case 'none':
        return this.lists.send(t);
      case 'update':
        if (this.services.options.leadCache) t.digests = this.digests.pack(decision.fields);
        return this.write(t, lock, 'update', String(decision.leadId), new Map([['id', decision.leadId], ...decision.fields]));
      case 'create':
        return this.write(t, lock, 'create', group.dedupeValue, new Map([...decision.fields, [this.activation.config.dedupeField, group.dedupeValue]]));
    }
  }

  private write(t: Tracked, lock: ChunkLock, kind: 'update' | 'create', key: string, values: Map<string, unknown>): void {
    t.sent = true;
    t.open++;
    this.openFieldRows++;
    t.lock = lock;
    lock.open++;
    this.fieldFile(kind, t.carried?.listId).add(t, key, values);
  }

  /** Updates by id (never a new lead), creates by the dedupe value in the partition; optionally joining a list. */
  private fieldFile(kind: 'update' | 'create', listId: number | undefined): ImportBatcher<Tracked> {
    const name = `${kind}:${listId ?? ''}`;
    let file = this.fieldFiles.get(name);
    if (!file) {
      const { dedupeField, partition } = this.activation.config;
      const keyColumn = kind === 'update' ? 'id' : dedupeField;
      const spec =
        kind === 'update'
          ? { lookupField: 'id', ...(listId !== undefined && { listId }) }
          : { lookupField: dedupeField, partitionName: partition ?? 'Default', ...(listId !== undefined && { listId }) };
      file = new ImportBatcher<Tracked>(spec, [keyColumn, ...this.fieldColumns], this.fileLimits, (s, rows) => this.launch(s, keyColumn, rows, 'fields'));
      this.fieldFiles.set(name, file);
    }
    return file;
  }

  /** Runs an import job (within the queue discipline) and hands each row its outcome. */
  private launch(spec: ImportSpec, keyColumn: string, rows: Array<ImportRow<Tracked>>, kind: ImportKind): void {
    const work = this.scheduler.run(spec.listId, () => this.services.runner(this.meter).run(spec, keyColumn, rows.length, (job) => this.observe(job))).then(
      (outcome) => this.imported(outcome, rows, kind),
      (error: unknown) => {
        const failure = this.failure(error);
        for (const { owner } of rows) this.rowAnswered(owner, kind, failure);
      },
    );
    this.keepRunning(work);
  }

  private imported(outcome: ImportOutcome, rows: Array<ImportRow<Tracked>>, kind: ImportKind): void {
    const { job } = outcome;
    this.imports.push({ batchId: job.batchId, status: job.status, rows: rows.length, failed: job.numOfRowsFailed, warnings: job.numOfRowsWithWarning });
    const jobFailed: Failure | undefined =
      job.status === 'Failed'
        ? { outcome: 'retryable', reason: { code: 'MARKETO_UNAVAILABLE', message: `The bulk import ${job.batchId} failed: ${job.message}` }, retryAfterMs: this.services.options.bulk.pollIntervalMs }
        : undefined;
    let cached: LeadCacheUpdate[] = [];
    for (const { key, owner } of rows) {
      const refused = outcome.failures.get(key);
      const failure: Failure | undefined =
        jobFailed ?? (refused !== undefined ? { outcome: 'rejected', reason: { code: 'MARKETO_REJECTED', message: `Marketo's bulk import refused the row: ${refused}` } } : undefined);
      if (!failure && owner.leadId !== undefined) {
        const update = { key: this.cacheKey(owner.key), leadId: owner.leadId };
        const joined = kind === 'fields' ? owner.carried?.listId : kind.listId;
        cached.push({
          ...update,
          ...(kind === 'fields' && owner.digests && { fields: unpackDigests(owner.digests) }),
          ...(joined !== undefined && { lists: new Map([[joined, 'add' as const]]) }),
        });
        if (cached.length === CACHE_UPDATES_AT_ONCE) {
          this.remember(cached);
          cached = [];
        }
      }
      this.rowAnswered(owner, kind, failure);
    }
    this.remember(cached);
  }

  /** One row of an import answered: a field write goes on to the group's lists, a join counts down. */
  private rowAnswered(t: Tracked, kind: ImportKind, failure: Failure | undefined): void {
    if (kind !== 'fields') return this.lists.joined(t, kind.audienceId, failure);
    t.open--;
    this.openFieldRows--;
    const lock = t.lock!;
    this.unhold(lock);
    if (failure) {
      t.failure = failure;
      if (t.open === 0) this.groups.finish(t);
      return;
    }
    if (t.leadId === undefined) {
      t.created = true;
      addAction(t, 'created');
    } else {
      t.updated = true;
      addAction(t, 'updated');
    }
    if (t.carried) addAction(t, this.groups.action('listAdded', t.carried.audienceId));
    this.lists.send(t);
  }

  private flushFields(): void {
    for (const file of this.fieldFiles.values()) file.flush();
  }

  private flushAll(): void {
    this.flushFields();
    this.lists.flush();
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

  private keepRunning(work: Promise<void>): void {
    const tracked = work.finally(() => {
      this.running.delete(tracked);
      this.signal();
    });
    this.running.add(tracked);
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

  /** Each status poll: the rows imported so far, as the running total of every job's count. */
  private observe(job: ImportJob): void {
    this.progress.imported += job.numOfLeadsProcessed - (this.importedByJob.get(job.batchId) ?? 0);
    this.importedByJob.set(job.batchId, job.numOfLeadsProcessed);
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
      this.request.onProgress?.({ phase: this.phase, ...this.progress, done: this.groups.done });
    } catch {
      // A host callback that throws never changes what the backfill does.
    }
  }

  /** What Marketo confirmed, for the lead cache; the cache failing never fails a record. */
  private remember(updates: LeadCacheUpdate[]): void {
    if (updates.length > 0) void this.services.cache.record(updates).catch(() => {});
  }

  private cacheKey(key: string): string {
    return instanceValueKey(this.activation, key);
  }

  private failure(error: unknown): Failure {
    return failureFromError(error, this.services.now(), this.services.options);
  }
}
