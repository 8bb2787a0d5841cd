import type { FieldValue, SandboxStore } from '../model.js';
import { storedValue, valueProblem } from '../values.js';

export interface ImportTarget {
  lookupField: string;
  partitionId: number;
  listId?: number;
}

export type RowOutcome = { imported: true; warning?: string } | { imported: false; reason: string };

/**
 * One row of a bulk import, insert-or-update by the lookup field (update only when it is `id`).
 * An empty cell means no value: the field is left as it is. Reasons follow Marketo's docs where
 * they show one: a value of the wrong type fails the row ("Invalid data type in field Lead
 * Score", by display name); an invalid email address is imported with the warning "Invalid
 * email address" (the address is kept; whether Marketo keeps it is not documented). The other
 * reasons are the sandbox's words.
 */
export function importRow(store: SandboxStore, target: ImportTarget, header: string[], row: string[]): RowOutcome {
  const values: Record<string, FieldValue> = {};
  let warning: string | undefined;
  for (const [i, name] of header.entries()) {
    const value = row[i] ?? '';
    if (value === '') continue;
    const field = store.field(name);
    if (!field) return { imported: false, reason: `Field '${name}' not found` };
    if (name === target.lookupField && name === 'id') continue;
    if (!field.updateable) return { imported: false, reason: `Field '${field.displayName}' is not updateable` };
    const problem = valueProblem(field, value);
    if (problem === 'email') warning ??= 'Invalid email address';
    else if (problem === 'length') return { imported: false, reason: `Value too long for field ${field.displayName} (max ${field.length})` };
    else if (problem) return { imported: false, reason: `Invalid data type in field ${field.displayName}` };
    values[name] = storedValue(field, value);
  }
  const key = row[header.indexOf(target.lookupField)] ?? '';
  if (key === '') return { imported: false, reason: `Value for required field '${target.lookupField}' not specified` };
  const matches = store.findLeads(target.lookupField, key);
  if (matches.length > 1) return { imported: false, reason: 'Multiple leads match the lookup criteria' };
  if (matches.length === 0 && target.lookupField === 'id') return { imported: false, reason: 'Lead not found' };
  const lead = matches[0] ?? store.createLead(target.partitionId, values);
  if (matches[0]) store.updateLead(lead, values);
  if (target.listId !== undefined) store.lists.get(target.listId)?.members.add(lead.id);
  return warning ? { imported: true, warning } : { imported: true };
}
