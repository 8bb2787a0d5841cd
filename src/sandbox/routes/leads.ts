import { fail, ok, param, type SandboxReply, type SandboxRequest } from '../http.js';
import { valueProblem, type SandboxLead, type SandboxStore } from '../model.js';

const MAX_BATCH = 300;
const MAX_LOOKUP_RESULTS = 1000;
type Value = string | number | boolean | null;

export function describe(store: SandboxStore): SandboxReply {
  return ok([{ name: 'API Lead', searchableFields: store.searchableFields, fields: store.fields }]);
}

export function partitions(store: SandboxStore): SandboxReply {
  return ok(store.partitions);
}

/** GET /rest/v1/leads.json (or POST with _method=GET): lookup by a searchable field, paged. */
export function lookup(store: SandboxStore, request: SandboxRequest): SandboxReply {
  const filterType = param(request, 'filterType');
  const filterValues = (param(request, 'filterValues') ?? '').split(',').filter((v) => v !== '');
  if (!filterType || !store.isSearchable(filterType)) return fail('1003', `Invalid filterType '${filterType ?? ''}'`);
  if (filterValues.length === 0) return fail('1003', 'filterValues is required');
  if (filterValues.length > MAX_BATCH) return fail('1003', `Too many filterValues (max ${MAX_BATCH})`);
  const fields = (param(request, 'fields') ?? 'id,email,firstName,lastName,updatedAt,createdAt').split(',');
  const batchSize = Math.min(MAX_BATCH, Number(param(request, 'batchSize') ?? MAX_BATCH) || MAX_BATCH);
  const matches: SandboxLead[] = [];
  const seen = new Set<number>();
  for (const value of filterValues) {
    for (const lead of store.findLeads(filterType, value)) {
      if (!seen.has(lead.id)) matches.push(lead);
      seen.add(lead.id);
    }
  }
  if (matches.length > MAX_LOOKUP_RESULTS) return fail('1003', 'Too many results match the filter');
  const offset = Number(Buffer.from(param(request, 'nextPageToken') ?? '', 'base64url').toString() || 0);
  const page = matches.slice(offset, offset + batchSize).map((lead) => store.view(lead, fields));
  const more = offset + batchSize < matches.length;
  return ok(page, more ? { moreResult: true, nextPageToken: Buffer.from(String(offset + batchSize)).toString('base64url') } : {});
}

interface SyncBody {
  action?: string;
  lookupField?: string;
  partitionName?: string;
  input?: Array<Record<string, Value>>;
}

/** POST /rest/v1/leads.json: Sync Leads with its four actions and Marketo's record-level codes. */
export function syncLeads(store: SandboxStore, request: SandboxRequest): SandboxReply {
  const body = (request.json ?? {}) as SyncBody;
  const action = body.action ?? 'createOrUpdate';
  const lookupField = body.lookupField ?? 'email';
  if (!['createOnly', 'updateOnly', 'createOrUpdate', 'createDuplicate'].includes(action)) return fail('1003', `Invalid action '${action}'`);
  if (!Array.isArray(body.input) || body.input.length === 0) return fail('1003', 'input is required');
  if (body.input.length > MAX_BATCH) return fail('1003', `Too many records (max ${MAX_BATCH})`);
  if (lookupField === 'id' && action !== 'updateOnly') return fail('1003', "lookupField 'id' is only allowed with updateOnly");
  if (lookupField !== 'id' && !store.isSearchable(lookupField)) return fail('1003', `Invalid lookupField '${lookupField}'`);
  const partition = body.partitionName === undefined ? store.partitionByName('Default') : store.partitionByName(body.partitionName);
  return ok(body.input.map((record) => syncOne(store, action, lookupField, partition?.id, body.partitionName, record)));
}

function syncOne(store: SandboxStore, action: string, lookupField: string, partitionId: number | undefined, partitionName: string | undefined, record: Record<string, Value>) {
  const skipped = (code: string, message: string) => ({ status: 'skipped', reasons: [{ code, message }] });
  const { id: _id, ...values } = record;
  for (const [name, value] of Object.entries(values)) {
    const field = store.field(name);
    if (!field) return skipped('1006', `Field '${name}' not found`);
    if (!field.updateable && name !== lookupField) return skipped('1003', `Field '${name}' is not updateable`);
    const problem = valueProblem(field, value);
    if (problem) return skipped('1003', problem);
  }
  const key = record[lookupField];
  if (key === undefined || key === null || key === '') return skipped('1003', `Value for lookup field '${lookupField}' is required`);
  const matches = store.findLeads(lookupField, key);
  const create = () => {
    if (partitionId === undefined) return skipped('1003', `Invalid partition name '${partitionName ?? ''}'`);
    const lead = store.createLead(partitionId, values);
    return { id: lead.id, status: 'created' };
  };
  const update = (lead: SandboxLead) => {
    if (partitionName !== undefined && action !== 'updateOnly' && partitionId !== lead.partitionId) return skipped('1010', 'Partition update not allowed');
    store.updateLead(lead, values);
    return { id: lead.id, status: 'updated' };
  };
  switch (action) {
    case 'createDuplicate':
      return create();
    case 'createOnly':
      return matches.length > 0 ? skipped('1005', 'Lead already exists') : create();
    case 'updateOnly':
      if (matches.length === 0) return skipped('1004', 'Lead not found');
      return matches.length > 1 ? skipped('1007', 'Multiple leads match the lookup criteria') : update(matches[0]!);
    default:
      if (matches.length > 1) return skipped('1007', 'Multiple leads match the lookup criteria');
      return matches[0] ? update(matches[0]) : create();
  }
}
