import { fail, ok, params, type SandboxReply, type SandboxRequest } from '../http.js';
import type { SandboxList, SandboxStore } from '../model.js';
import { leadTime } from '../time.js';
import { page, requestedFields } from './leads.js';

const MAX_IDS = 300;
const listNotFound = () => fail('1013', 'Object not found');

/**
 * The lead ids of a membership call, in order. Marketo documents them as repeated query
 * parameters (`?id=1&id=2`) and also takes a JSON body `{ input: [{ id }] }`. node-marketo-rest
 * sends several ids as one escaped value (`id=1%26id%3D2`, its `join('&id=')` run through an
 * encoder); a real client used against real Marketo is taken as evidence that this is read too.
 */
function leadIds(request: SandboxRequest): Array<number | string> | undefined {
  const input = (request.json as { input?: Array<{ id?: unknown }> } | undefined)?.input;
  if (Array.isArray(input)) return input.map(({ id }) => (typeof id === 'number' ? id : String(id)));
  const fromQuery = params(request, 'id').flatMap((v) => v.split('&id='));
  return fromQuery.length > 0 ? fromQuery.map((v) => (/^\d+$/.test(v) ? Number(v) : v)) : undefined;
}

function idProblem(ids: unknown[] | undefined): SandboxReply | undefined {
  if (!ids || ids.length === 0) return fail('1002', "Missing value for the required parameter 'id'");
  if (ids.length > MAX_IDS) return fail('1003', `Too many ids (max ${MAX_IDS})`);
  return undefined;
}

/**
 * POST/DELETE /rest/v1/lists/{id}/leads.json: membership by lead id, one result per id in order.
 * Adding a lead that is already a member answers `added` (recorded in Grouparoo's fixtures);
 * removing a non-member answers `skipped` 1015; an unknown lead is `skipped` 1004.
 */
export function changeMembership(store: SandboxStore, listId: number, request: SandboxRequest, op: 'add' | 'remove'): SandboxReply {
  const list = store.lists.get(listId);
  if (!list) return listNotFound();
  const ids = leadIds(request);
  const problem = idProblem(ids);
  if (problem) return problem;
  return ok(
    ids!.map((id) => {
      if (typeof id !== 'number' || !store.leads.has(id)) return { id, status: 'skipped', reasons: [{ code: '1004', message: 'Lead not found' }] };
      if (op === 'add') {
        list.members.add(id);
        return { id, status: 'added' };
      }
      if (!list.members.delete(id)) return { id, status: 'skipped', reasons: [{ code: '1015', message: 'Lead not in list' }] };
      return { id, status: 'removed' };
    }),
  );
}

/** GET /rest/v1/lists/{id}/leads/ismember.json?id=1&id=2 (or id=1,2): `memberof`, `notmemberof`, or skipped 1004. */
export function isMember(store: SandboxStore, listId: number, request: SandboxRequest): SandboxReply {
  const list = store.lists.get(listId);
  if (!list) return listNotFound();
  const ids = leadIds(request);
  const problem = idProblem(ids);
  if (problem) return problem;
  return ok(
    ids!.map((id) => {
      if (typeof id !== 'number' || !store.leads.has(id)) return { id, status: 'skipped', reasons: [{ code: '1004', message: 'Lead not found' }] };
      return { id, status: list.members.has(id) ? 'memberof' : 'notmemberof' };
    }),
  );
}

/** GET /rest/v1/lists/{id}/leads.json (and the older /rest/v1/list/{id}/leads.json): the members, paged. */
export function members(store: SandboxStore, listId: number, request: SandboxRequest): SandboxReply {
  const list = store.lists.get(listId);
  if (!list) return listNotFound();
  const fields = requestedFields(request);
  const leads = [...list.members].sort((a, b) => a - b).flatMap((id) => store.leads.get(id) ?? []);
  return page(request, leads, (lead) => store.view(lead, fields));
}

function listView(list: SandboxList) {
  return {
    id: list.id,
    name: list.name,
    ...(list.description && { description: list.description }),
    workspaceName: list.workspace,
    createdAt: leadTime(list.createdAt),
    updatedAt: leadTime(list.updatedAt),
  };
}

/**
 * GET /rest/v1/lists.json (or POST with _method=GET): static lists filtered by `id`, `name`,
 * `programName`, `workspaceName` (each comma-separated or repeated), paged by `nextPageToken`.
 * The sandbox has no programs, so a `programName` filter matches nothing.
 */
export function findLists(store: SandboxStore, request: SandboxRequest): SandboxReply {
  const ids = params(request, 'id').map(Number);
  const names = params(request, 'name');
  const programs = params(request, 'programName');
  const workspaces = params(request, 'workspaceName');
  const found = [...store.lists.values()]
    .filter((l) => ids.length === 0 || ids.includes(l.id))
    .filter((l) => names.length === 0 || names.includes(l.name))
    .filter(() => programs.length === 0)
    .filter((l) => workspaces.length === 0 || workspaces.includes(l.workspace))
    .sort((a, b) => a.id - b.id);
  return page(request, found, listView);
}
