import { fail, ok, param, type SandboxReply, type SandboxRequest } from '../http.js';
import type { SandboxLead, SandboxStore } from '../model.js';

const MAX_BATCH = 300;
const MAX_LOOKUP_RESULTS = 1000;
/** The fields a lead comes back with when the request names none (Marketo's documented default). */
const DEFAULT_FIELDS = ['id', 'email', 'firstName', 'lastName', 'updatedAt', 'createdAt'];

/** GET /rest/v1/leads/describe2.json: the schema with searchable fields (the plugin's source). */
export function describe2(store: SandboxStore): SandboxReply {
  return ok([{ name: 'API Lead', searchableFields: store.searchableFields, fields: store.fields }]);
}

/**
 * GET /rest/v1/leads/describe.json, the older describe client libraries still call: one item per
 * field with `rest` and `soap` names. SOAP names are the REST names capitalised, as Marketo's
 * example shows ("company" / "Company"); ids are the fields' positions.
 */
export function describe(store: SandboxStore): SandboxReply {
  return ok(
    store.fields.map((field, index) => ({
      id: index + 1,
      displayName: field.displayName,
      dataType: field.dataType,
      ...(field.length !== undefined && { length: field.length }),
      rest: { name: field.name, readOnly: !field.updateable },
      soap: { name: field.name.charAt(0).toUpperCase() + field.name.slice(1), readOnly: !field.updateable },
    })),
  );
}

export function partitions(store: SandboxStore): SandboxReply {
  return ok(store.partitions);
}

/** Why a field cannot be a lookup key, as Marketo words it, or undefined when it can. */
export function lookupFieldProblem(store: SandboxStore, name: string): SandboxReply | undefined {
  if (store.isSearchable(name)) return undefined;
  return store.field(name) ? fail('1011', `Lookup field '${name}' not supported`) : fail('1006', `Lookup field '${name}' not found`);
}

/** The `fields` a request names, or Marketo's default set. */
export function requestedFields(request: SandboxRequest): string[] {
  const fields = param(request, 'fields');
  return fields ? fields.split(',').map((f) => f.trim()).filter(Boolean) : DEFAULT_FIELDS;
}

/** GET /rest/v1/leads.json (or POST with _method=GET): lookup by a searchable field, paged. */
export function lookup(store: SandboxStore, request: SandboxRequest): SandboxReply {
  const filterType = param(request, 'filterType');
  const filterValues = (param(request, 'filterValues') ?? '').split(',').filter((v) => v !== '');
  if (!filterType) return fail('1002', "Missing value for the required parameter 'filterType'");
  const notLookup = lookupFieldProblem(store, filterType);
  if (notLookup) return notLookup;
  if (filterValues.length === 0) return fail('1002', "Missing value for the required parameter 'filterValues'");
  if (filterValues.length > MAX_BATCH) return fail('1003', `Too many filterValues (max ${MAX_BATCH})`);
  const matches: SandboxLead[] = [];
  const seen = new Set<number>();
  for (const value of filterValues) {
    for (const lead of store.findLeads(filterType, value)) {
      if (!seen.has(lead.id)) matches.push(lead);
      seen.add(lead.id);
    }
  }
  if (matches.length > MAX_LOOKUP_RESULTS) return fail('1003', 'Too many results match the filter');
  return page(request, matches, (lead) => store.view(lead, requestedFields(request)));
}

/** One page of `items` by `batchSize` (≤ 300) and `nextPageToken`, with Marketo's `moreResult`. */
export function page<T>(request: SandboxRequest, items: T[], view: (item: T) => unknown): SandboxReply {
  const batchSize = Math.min(MAX_BATCH, Number(param(request, 'batchSize') ?? MAX_BATCH) || MAX_BATCH);
  const offset = Number(Buffer.from(param(request, 'nextPageToken') ?? '', 'base64url').toString() || 0);
  const more = offset + batchSize < items.length;
  return ok(items.slice(offset, offset + batchSize).map(view), more ? { moreResult: true, nextPageToken: Buffer.from(String(offset + batchSize)).toString('base64url') } : {});
}

/**
 * GET /rest/v1/lead/{id}.json: one lead with the requested fields. An unknown id answers an
 * empty result, like a lookup that finds nothing (what Marketo answers there is not documented).
 */
export function leadById(store: SandboxStore, id: number, request: SandboxRequest): SandboxReply {
  const lead = store.leads.get(id);
  return ok(lead ? [store.view(lead, requestedFields(request))] : []);
}
