import type { Activation } from '../activation/activations.js';
import type { Failure } from '../delivery/failures.js';
import type { ListChange } from '../delivery/planner.js';
import type { MembershipOutcome } from '../marketo/endpoints/list-membership.js';
import type { ImportSpec } from '../marketo/endpoints/bulk-import.js';
import type { Settled } from '../marketo/shared-calls.js';
import type { LeadCacheUpdate } from '../state/lead-cache.js';
import { ImportBatcher, type FileLimits, type ImportRow } from './import-batches.js';
import { addAction, type Tracked, type TrackedGroups } from './tracked-groups.js';

/** What an import writes: fields, or the joins of one list for one audience. */
export type ImportKind = 'fields' | { audienceId: string; listId: number };

const MAX_REMOVES_PER_CALL = 300;

export interface ListStageServices {
  launch(spec: ImportSpec, keyColumn: string, rows: Array<ImportRow<Tracked>>, kind: ImportKind): void;
  remove(listId: number, leadIds: number[]): Promise<Array<Settled<MembershipOutcome>>>;
  remember(updates: LeadCacheUpdate[]): void;
  /** Keeps a removal call among the work in flight. */
  running(work: Promise<void>): void;
  failure(error: unknown): Failure;
  cacheKey(t: Tracked): string;
}

/**
 * The list side of a backfill: joins go as imports with `listId`, one file kind per list and
 * way of finding the lead — matched leads by id, new ones by the dedupe value once created
 * (never a new lead: the file carries the partition and only the key) — and removals as REST
 * calls of 300 ids. Each answer counts down its group's open operations.
 */
export class ListStage {
  private readonly joins = new Map<string, ImportBatcher<Tracked>>();
  private readonly removals = new Map<number, Array<{ tracked: Tracked; change: ListChange }>>();

  constructor(
    private readonly activation: Activation,
    private readonly limits: FileLimits,
    private readonly groups: TrackedGroups,
    private readonly services: ListStageServices,
  ) {}

  /** Sends a group's planned list changes; a group with none is finished. */
  send(t: Tracked): void {
    for (const change of t.changes) {
      t.sent = true;
      t.open++;
      if (change.op === 'remove') this.queueRemoval(t, change);
      else this.queueJoin(t, change);
    }
    if (t.open === 0) this.groups.finish(t);
  }

  flush(): void {
    for (const batcher of this.joins.values()) batcher.flush();
    for (const listId of [...this.removals.keys()]) this.sendRemovals(listId);
  }

  /** A join's row answered (by its import). */
  joined(t: Tracked, audienceId: string, failure: Failure | undefined): void {
    this.answered(t, failure, () => addAction(t, this.groups.action('listAdded', audienceId)));
  }

  private queueJoin(t: Tracked, change: ListChange): void {
    const { dedupeField, partition } = this.activation.config;
    const byId = t.leadId !== undefined;
    const name = `${change.listId}:${byId ? 'id' : 'value'}`;
    let batcher = this.joins.get(name);
    if (!batcher) {
      const keyColumn = byId ? 'id' : dedupeField;
      const spec = byId ? { lookupField: 'id', listId: change.listId } : { lookupField: dedupeField, listId: change.listId, partitionName: partition ?? 'Default' };
      const kind = { audienceId: change.audienceId, listId: change.listId };
      batcher = new ImportBatcher<Tracked>(spec, [keyColumn], this.limits, (s, rows) => this.services.launch(s, keyColumn, rows, kind));
      this.joins.set(name, batcher);
    }
    batcher.add(t, byId ? String(t.leadId) : t.dedupeValue, new Map([[byId ? 'id' : dedupeField, byId ? t.leadId : t.dedupeValue]]));
  }

  private queueRemoval(t: Tracked, change: ListChange): void {
    const pending = this.removals.get(change.listId) ?? [];
    pending.push({ tracked: t, change });
    this.removals.set(change.listId, pending);
    if (pending.length >= MAX_REMOVES_PER_CALL) this.sendRemovals(change.listId);
  }

  private sendRemovals(listId: number): void {
    const pending = this.removals.get(listId) ?? [];
    this.removals.delete(listId);
    if (pending.length === 0) return;
    const work = this.services.remove(listId, pending.map(({ tracked }) => tracked.leadId!)).then((answers) => {
      const cached: LeadCacheUpdate[] = [];
      pending.forEach(({ tracked, change }, i) => {
        const answer = answers[i]!;
        let failure: Failure | undefined;
        if (!answer.ok) failure = this.services.failure(answer.error);
        else if (answer.value.status === 'skipped') {
          const { code, message } = answer.value.reason;
          failure = { outcome: 'rejected', reason: { code: 'MARKETO_REJECTED', message: `Marketo skipped the record: ${code} ${message}`, marketoCode: code } };
        } else cached.push({ key: this.services.cacheKey(tracked), leadId: tracked.leadId!, lists: new Map([[listId, 'remove' as const]]) });
        this.answered(tracked, failure, () => addAction(tracked, this.groups.action('listRemoved', change.audienceId)));
      });
      this.services.remember(cached);
    });
    this.services.running(work);
  }

  private answered(t: Tracked, failure: Failure | undefined, succeeded: () => void): void {
    t.open--;
    if (failure) t.failure = failure;
    else succeeded();
    if (t.open === 0) this.groups.finish(t);
  }
}
