import type { MembershipStatus } from '../types.js';
import type { FieldValue, IntakeRecord } from './intake.js';

/** All the profiles of one delivery that share a dedupe value: one write, one membership decision. */
export interface LeadGroup {
  /** The dedupe value as Marketo compares it (see `dedupeKey`). */
  key: string;
  /** The value sent to Marketo: the first profile's, trimmed. */
  dedupeValue: string;
  records: IntakeRecord[];
  /** Later events win, field by field. */
  fields: Map<string, FieldValue>;
  /** The last status wins, per audience. */
  memberships: Map<string, MembershipStatus>;
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
