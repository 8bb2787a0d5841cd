import type { LeadGroup } from '../delivery/coalesce.js';
import type { Failure } from '../delivery/failures.js';
import type { ListChange } from '../delivery/planner.js';
import type { PackedDigests } from './packed-digests.js';
import { resultOf } from '../delivery/report.js';
import type { DeliverySummary, RecordReason, RecordResult } from '../types.js';

/**
 * The write locks of one chunk: released once every value it holds is through — its lookup
 * made (some wait for the next chunk's) and its field import ended.
 */
export interface ChunkLock {
  release(): Promise<void>;
  /** Lookups still waiting and field imports not answered, of this chunk's values. */
  open: number;
  /** Every value of the chunk has been handed on (or waits for its lookup). */
  routed: boolean;
}

/**
 * Adds an action to a group's result. Arrays are made to size: a push onto an empty array
 * reserves room for 16, some 150 bytes in each of tens of thousands of open groups.
 */
export function addAction(t: Tracked, action: string): void {
  t.actions = t.actions.length === 0 ? [action] : [...t.actions, action];
}

/** Shared by every group with no list change to send (most: a row joins its one list on the way). */
export const NO_CHANGES: readonly ListChange[] = Object.freeze([]);

/** One lead group on its way through a backfill: what its records' results are read from, and nothing more. */
export interface Tracked {
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
  changes: readonly ListChange[];
  /** The list the group's field row joins on the way (its file's `listId`). */
  carried?: ListChange;
  /** The digests of the fields its import writes, for the lead cache once Marketo confirms them. */
  digests?: PackedDigests;
}

/**
 * The backfill's open groups and its results: each group's records get their result once,
 * through `onResult`, and are counted in the summary. Only open groups are held (a bounded
 * number); a finished one is forgotten.
 */
export class TrackedGroups {
  readonly summary: DeliverySummary = {
    received: 0, delivered: 0, created: 0, updated: 0, addedToList: 0, removedFromList: 0, skipped: 0, rejected: 0, retryable: 0, unchanged: 0, apiCalls: 0,
  };
  /** Rejections by code, for the host's alert. */
  readonly rejectedCodes: Record<string, number> = {};
  private readonly open = new Set<Tracked>();
  /** One string per action name and audience, shared by every group. */
  private readonly actionNames = new Map<string, string>();

  constructor(private readonly onResult: ((result: RecordResult) => void) | undefined) {}

  get openCount(): number {
    return this.open.size;
  }

  get done(): number {
    return this.summary.received;
  }

  track(group: LeadGroup): Tracked {
    const t: Tracked = {
      recordIds: group.records.length === 1 ? group.records[0]!.recordId : group.records.map((r) => r.recordId),
      key: group.key,
      dedupeValue: group.dedupeValue,
      fromCache: false,
      created: false,
      updated: false,
      sent: false,
      actions: [],
      open: 0,
      changes: NO_CHANGES,
    };
    this.open.add(t);
    return t;
  }

  isFinished(t: Tracked): boolean {
    return !this.open.has(t);
  }

  action(name: 'listAdded' | 'listRemoved', audienceId: string): string {
    const key = `${name}:${audienceId}`;
    let shared = this.actionNames.get(key);
    if (!shared) this.actionNames.set(key, (shared = key));
    return shared;
  }

  /** Every record of the group gets its result, once. */
  finish(t: Tracked, failure?: Failure, skip?: RecordReason): void {
    if (!this.open.delete(t)) return;
    if (failure) t.failure = failure;
    if (skip) t.skip = skip;
    if (t.created) this.summary.created++;
    if (t.updated) this.summary.updated++;
    this.summary.addedToList += t.actions.filter((a) => a.startsWith('listAdded:')).length;
    this.summary.removedFromList += t.actions.filter((a) => a.startsWith('listRemoved:')).length;
    for (const recordId of typeof t.recordIds === 'string' ? [t.recordIds] : t.recordIds) this.finishRecord(resultOf(recordId, t));
  }

  finishRecord(result: RecordResult): void {
    this.summary.received++;
    this.summary[result.outcome]++;
    if (result.actions.length === 1 && result.actions[0] === 'unchanged') this.summary.unchanged++;
    if (result.outcome === 'rejected' && result.reason) {
      const code = result.reason.marketoCode ? `${result.reason.code}:${result.reason.marketoCode}` : result.reason.code;
      this.rejectedCodes[code] = (this.rejectedCodes[code] ?? 0) + 1;
    }
    try {
      this.onResult?.(result);
    } catch {
      // A host callback that throws never changes what the backfill does.
    }
  }

  /** A safety net: every input gets a result, even if a group was left waiting by a bug. */
  finishAllOpen(failure: Failure): void {
    for (const t of [...this.open]) this.finish(t, failure);
  }
}
