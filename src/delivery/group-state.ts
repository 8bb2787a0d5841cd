import type { RecordReason } from '../types.js';
import type { LeadGroup } from './coalesce.js';
import type { Failure } from './failures.js';

/** What happened to one lead group during a delivery; the report is read from it. */
export interface GroupState {
  group: LeadGroup;
  leadId?: number;
  /** The lead id came from the lead cache, not from a lookup of this delivery. */
  fromCache: boolean;
  created: boolean;
  updated: boolean;
  actions: string[];
  /** A write or list change was sent (or, in a dry run, would be). */
  sent: boolean;
  failure?: Failure;
  skip?: RecordReason;
  /**
   * Send the group around once more: a lead created meanwhile (1005), a create Marketo did not
   * answer clearly, a cached lead that is gone (1004). `failure` is what it gets if it cannot.
   */
  again?: Failure;
}

export function freshState(group: LeadGroup): GroupState {
  return { group, fromCache: false, created: false, updated: false, actions: [], sent: false };
}

/** Nothing was needed: the cache knew the lead and every value and membership was already written. */
export function isUnchanged(state: Pick<GroupState, 'fromCache' | 'sent' | 'failure' | 'skip' | 'leadId'>): boolean {
  return state.fromCache && !state.sent && !state.failure && !state.skip && state.leadId !== undefined;
}
