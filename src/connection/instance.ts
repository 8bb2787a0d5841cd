import type { LeadField, LeadPartition, LeadSchema } from '../marketo/endpoints/lead-schema.js';
import type { Workspace } from '../marketo/endpoints/workspaces.js';
import type { DiscoveredField } from '../types.js';

/** What the plugin knows of a Marketo instance after connecting; read by activation and delivery. */
export interface InstanceSnapshot {
  schema: LeadSchema;
  partitions: LeadPartition[];
  workspaces: Workspace[];
}

/** Data types Marketo can match on as a single searchable key. */
const DEDUPE_TYPES = new Set(['string', 'email', 'integer']);
/** Searchable, but meaningless or forbidden as a dedupe field (Lead ID is never allowed). */
const NEVER_DEDUPE = new Set(['id', 'leadPartitionId', 'cookies']);

/** The dedupe-field choices: searchable single fields of type string, email or integer. */
export function dedupeFieldChoices(schema: LeadSchema): LeadField[] {
  const singles = new Set(schema.searchableFields.filter((key) => key.length === 1).map((key) => key[0]!));
  return schema.fields.filter((f) => singles.has(f.name) && DEDUPE_TYPES.has(f.dataType) && !NEVER_DEDUPE.has(f.name));
}

/** Fields a mapping may write. */
export function writableFields(schema: LeadSchema): LeadField[] {
  return schema.fields.filter((f) => f.updateable);
}

export function toDiscoveredField(field: LeadField): DiscoveredField {
  return {
    name: field.name,
    displayName: field.displayName,
    dataType: field.dataType,
    ...(field.length !== undefined && { length: field.length }),
  };
}
