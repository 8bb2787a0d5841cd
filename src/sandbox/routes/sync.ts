import { fail, ok, type SandboxReply, type SandboxRequest } from '../http.js';
import type { FieldValue, SandboxLead, SandboxStore } from '../model.js';
import { storedValue, valueProblem } from '../values.js';
import { lookupFieldProblem } from './leads.js';

const MAX_BATCH = 300;
const ACTIONS = ['createOnly', 'updateOnly', 'createOrUpdate', 'createDuplicate'];

interface SyncBody {
  action?: string;
  lookupField?: string;
  partitionName?: string;
  input?: Array<Record<string, FieldValue>>;
}

/** Sync Leads only decides creates from what it sees; a race hides leads created after the call arrived. */
export interface SyncView {
  /** Leads with an id at or above this were created after the call arrived (`store.leadIdWatermark` then). */
  arrivedAt: number;
}

const skipped = (code: string, message: string) => ({ status: 'skipped', reasons: [{ code, message }] });

/**
 * POST /rest/v1/leads.json: Sync Leads with its four actions and Marketo's record-level codes.
 * Records are handled in order, so a later record sees an earlier one's create. With a `view`,
 * creates are decided as of the call's arrival: a lead another call created since is invisible,
 * which is how closely timed creates with one key both succeed in Marketo (its leads docs).
 */
export function syncLeads(store: SandboxStore, request: SandboxRequest, view?: SyncView): SandboxReply {
  const body = (request.json ?? {}) as SyncBody;
  const action = body.action ?? 'createOrUpdate';
  const lookupField = body.lookupField ?? 'email';
  if (!ACTIONS.includes(action)) return fail('1003', `Invalid action '${action}'`);
  if (!Array.isArray(body.input) || body.input.length === 0) return fail('1002', "Missing value for the required parameter 'input'");
  if (body.input.length > MAX_BATCH) return fail('1003', `Too many records (max ${MAX_BATCH})`);
  if (lookupField === 'id' && action !== 'updateOnly') return fail('1003', "lookupField 'id' is only allowed with updateOnly");
  const notLookup = lookupFieldProblem(store, lookupField);
  if (notLookup) return notLookup;
  const partition = body.partitionName === undefined ? store.partitionByName('Default') : store.partitionByName(body.partitionName);
  const createdHere = new Set<number>();
  const visible = (lead: SandboxLead) => !view || lead.id < view.arrivedAt || createdHere.has(lead.id);
  const context = { store, action, lookupField, partitionId: partition?.id, partitionName: body.partitionName, visible, createdHere };
  return ok(body.input.map((record) => syncOne(context, record)));
}

interface SyncContext {
  store: SandboxStore;
  action: string;
  lookupField: string;
  partitionId: number | undefined;
  partitionName: string | undefined;
  visible: (lead: SandboxLead) => boolean;
  createdHere: Set<number>;
}

function syncOne(c: SyncContext, record: Record<string, FieldValue>) {
  const { store, action, lookupField } = c;
  // Marketo's reference: "The id field can only be included as a parameter when using the updateOnly action".
  if ('id' in record && action !== 'updateOnly') return skipped('1003', 'Invalid data');
  const { id: _id, ...given } = record;
  const values: Record<string, FieldValue> = {};
  for (const [name, value] of Object.entries(given)) {
    const field = store.field(name);
    if (!field) return skipped('1006', `Field '${name}' not found`);
    if (!field.updateable && name !== lookupField) return skipped('1003', `Field '${name}' is not updateable`);
    // Recorded answers word every type problem alike; the length check's wording is not confirmed.
    if (valueProblem(field, value)) return skipped('1003', `Invalid value for field '${name}'`);
    values[name] = storedValue(field, value);
  }
  const key = record[lookupField];
  if (key === undefined || key === null || key === '') return skipped('1003', `Value for required field '${lookupField}' not specified`);
  const found = store.findLeads(lookupField, key);
  const create = () => {
    if (c.partitionId === undefined) return skipped('1003', `Invalid partition name '${c.partitionName ?? ''}'`);
    const lead = store.createLead(c.partitionId, values);
    c.createdHere.add(lead.id);
    return { id: lead.id, status: 'created' };
  };
  const update = (lead: SandboxLead) => {
    if (c.partitionName !== undefined && action !== 'updateOnly' && c.partitionId !== lead.partitionId) return skipped('1010', 'Partition update not allowed');
    store.updateLead(lead, values);
    return { id: lead.id, status: 'updated' };
  };
  const multiple = () => skipped('1007', 'Multiple leads match the lookup criteria');
  switch (action) {
    case 'createDuplicate':
      return create();
    case 'createOnly':
      return found.some(c.visible) ? skipped('1005', 'Lead already exists') : create();
    case 'updateOnly':
      if (found.length === 0) return skipped('1004', 'Lead not found');
      return found.length > 1 ? multiple() : update(found[0]!);
    default: {
      const matches = found.filter(c.visible);
      if (matches.length > 1) return multiple();
      return matches[0] ? update(matches[0]) : create();
    }
  }
}
