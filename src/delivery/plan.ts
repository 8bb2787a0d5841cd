import type { DestinationConfig, MembershipStatus } from '../types.js';
import type { FieldValue, IntakeRecord } from './intake.js';

/** All the profiles of one delivery that share a dedupe value: one write, one membership decision. */
export interface LeadGroup {
  key: string;
  dedupeValue: string;
  records: IntakeRecord[];
  /** Later events win, field by field. */
  fields: Map<string, FieldValue>;
  /** The last status wins, per audience. */
  memberships: Map<string, MembershipStatus>;
}

/** What a sync type does (SPEC §2.2), as data rather than branches spread through the code. */
export interface SyncRules {
  writesFields: boolean;
  syncsLists: boolean;
  mayCreate: boolean;
}

export function syncRules(config: DestinationConfig): SyncRules {
  const writesFields = config.syncType !== 'audience_only';
  return {
    writesFields,
    syncsLists: config.syncType !== 'profile_only',
    mayCreate: writesFields && config.personAction === 'update_and_create',
  };
}

/** Merges the profiles that share a dedupe value, in input order. */
export function coalesce(records: IntakeRecord[]): LeadGroup[] {
  const groups = new Map<string, LeadGroup>();
  for (const record of records) {
    let group = groups.get(record.key);
    if (!group) {
      group = { key: record.key, dedupeValue: record.dedupeValue, records: [], fields: new Map(), memberships: new Map() };
      groups.set(record.key, group);
    }
    group.records.push(record);
    for (const [field, value] of record.fields) group.fields.set(field, value);
    for (const [audience, status] of record.memberships) group.memberships.set(audience, status);
  }
  return [...groups.values()];
}

/** A profile whose statuses are all `exited` left every audience: it is never created. */
export function onlyExited(group: LeadGroup): boolean {
  return group.memberships.size > 0 && [...group.memberships.values()].every((status) => status === 'exited');
}
