import type { DestinationManifest } from '../manifest/types.js';
import { fieldDigest, type LeadCacheEntry } from '../state/lead-cache.js';
import type { DestinationConfig, RecordReason, ResolvedList } from '../types.js';
import type { LeadGroup } from './coalesce.js';
import type { FieldValue } from './intake.js';
import type { SyncRules } from '../sync-rules.js';

/**
 * The planner: pure functions from what is known (the coalesced groups, the leads matched by
 * lookup or remembered by the cache, the settings) to what must be sent. No I/O here: the REST
 * executor and the bulk executor run the same plans, and a dry run is the plan alone.
 */

/** The fields a new lead must have, from the manifest's required-mapping rules. */
export function fieldsRequiredToCreate(manifest: DestinationManifest): string[] {
  return [...new Set(manifest.mappings.required.flatMap((rule) => rule.targets))];
}

export type WriteDecision =
  | { kind: 'update'; leadId: number; fields: Map<string, FieldValue> }
  | { kind: 'create'; fields: Map<string, FieldValue> }
  /** Matched, and nothing to write: no mapped field, or every value already written (cache). */
  | { kind: 'none'; leadId: number }
  | { kind: 'skip'; reason: RecordReason }
  | { kind: 'reject'; reason: RecordReason };

export interface WriteContext {
  rules: SyncRules;
  config: DestinationConfig;
  requiredToCreate: string[];
}

/** A profile whose statuses are all `exited` left every audience: it is never created. */
function onlyExited(group: LeadGroup): boolean {
  return group.memberships.size > 0 && [...group.memberships.values()].every((status) => status === 'exited');
}

/**
 * What to write for one lead group (SPEC §2.2): update a matched lead's fields — only those
 * whose value differs from the last one written, when the cache knows them — create an
 * unmatched one where allowed and complete, or skip it.
 */
export function decideWrite(group: LeadGroup, leadId: number | undefined, cached: LeadCacheEntry | undefined, context: WriteContext): WriteDecision {
  const { rules, config, requiredToCreate } = context;
  if (leadId !== undefined) {
    if (!rules.writesFields) return { kind: 'none', leadId };
    const fields = changedFields(group.fields, cached?.leadId === leadId ? cached : undefined);
    return fields.size > 0 ? { kind: 'update', leadId, fields } : { kind: 'none', leadId };
  }
  if (!rules.mayCreate || (rules.syncsLists && onlyExited(group))) {
    return {
      kind: 'skip',
      reason: { code: 'NO_MATCHING_LEAD', message: `No Marketo lead matches this profile's ${config.dedupeField}, and this destination does not create leads for it.` },
    };
  }
  // The dedupe field is always sent on a create, so it counts for itself.
  const missing = requiredToCreate.filter((field) => field !== config.dedupeField && !group.fields.has(field));
  if (missing.length > 0) {
    return { kind: 'reject', reason: { code: 'MISSING_REQUIRED_FIELD', message: `A new Marketo lead needs a value for ${missing.join(', ')}; the profile has none.` } };
  }
  return { kind: 'create', fields: new Map(group.fields) };
}

/** The mapped fields whose value is not the one last written (all of them without a cache entry). */
function changedFields(fields: ReadonlyMap<string, FieldValue>, cached: LeadCacheEntry | undefined): Map<string, FieldValue> {
  if (!cached) return new Map(fields);
  return new Map([...fields].filter(([name, value]) => cached.fields.get(name) !== fieldDigest(value)));
}

/** The digests of the fields a confirmed write sent, for the cache. */
export function digestsOf(fields: ReadonlyMap<string, FieldValue>): Map<string, string> {
  return new Map([...fields].map(([name, value]) => [name, fieldDigest(value)]));
}

export interface ListChange {
  readonly audienceId: string;
  readonly listId: number;
  readonly op: 'add' | 'remove';
}

/** One change object per list and direction, shared by every lead (a backfill holds tens of thousands planned at once). */
const sharedChanges = new WeakMap<ResolvedList, { add: ListChange; remove: ListChange }>();

function listChange(audienceId: string, list: ResolvedList, op: 'add' | 'remove'): ListChange {
  let changes = sharedChanges.get(list);
  if (changes?.add.audienceId !== audienceId) {
    changes = { add: { audienceId, listId: list.listId, op: 'add' }, remove: { audienceId, listId: list.listId, op: 'remove' } };
    sharedChanges.set(list, changes);
  }
  return changes[op];
}

/**
 * The membership changes to send for a lead: `realized`/`existing` add it to the audience's
 * list, `exited` removes it — unless the cache says the last confirmed change was already that
 * one. A lead created in this delivery cannot be a member yet: nothing to remove.
 */
export function planListChanges(group: LeadGroup, leadId: number, createdNow: boolean, lists: ReadonlyMap<string, ResolvedList>, cached: LeadCacheEntry | undefined): ListChange[] {
  const known = cached?.leadId === leadId ? cached.lists : undefined;
  const changes: ListChange[] = [];
  for (const [audienceId, list] of lists) {
    const status = group.memberships.get(audienceId);
    if (status === 'realized' || status === 'existing') {
      if (known?.get(list.listId) !== 'add') changes.push(listChange(audienceId, list, 'add'));
    } else if (status === 'exited' && !createdNow && known?.get(list.listId) !== 'remove') {
      changes.push(listChange(audienceId, list, 'remove'));
    }
  }
  return changes;
}
