import type { DestinationManifest } from '../manifest/types.js';
import type { DestinationConfig, MembershipStatus, RecordReason } from '../types.js';
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
function onlyExited(group: LeadGroup): boolean {
  return group.memberships.size > 0 && [...group.memberships.values()].every((status) => status === 'exited');
}

/** The fields a new lead must have, from the manifest's required-mapping rules. */
export function fieldsRequiredToCreate(manifest: DestinationManifest): string[] {
  return [...new Set(manifest.mappings.required.flatMap((rule) => rule.targets))];
}

export type WriteDecision =
  | { kind: 'update' }
  | { kind: 'create' }
  | { kind: 'nothing' }
  | { kind: 'skip'; reason: RecordReason }
  | { kind: 'reject'; reason: RecordReason };

/**
 * What to write for one lead group once matching is known (SPEC §2.2): update a matched lead's
 * fields, create an unmatched one where allowed and complete, or skip it.
 */
export function decideWrite(group: LeadGroup, matched: boolean, rules: SyncRules, config: DestinationConfig, requiredToCreate: string[]): WriteDecision {
  if (matched) return rules.writesFields && group.fields.size > 0 ? { kind: 'update' } : { kind: 'nothing' };
  if (!rules.mayCreate || (rules.syncsLists && onlyExited(group))) {
    return {
      kind: 'skip',
      reason: { code: 'NO_MATCHING_LEAD', message: `No Marketo lead has ${config.dedupeField} = ${group.dedupeValue}, and this destination does not create leads for it.` },
    };
  }
  // The dedupe field is always sent on a create, so it counts for itself.
  const missing = requiredToCreate.filter((field) => field !== config.dedupeField && !group.fields.has(field));
  if (missing.length > 0) {
    return { kind: 'reject', reason: { code: 'MISSING_REQUIRED_FIELD', message: `A new Marketo lead needs a value for ${missing.join(', ')}; the profile has none.` } };
  }
  return { kind: 'create' };
}
