import { fail, ok, param, type SandboxReply, type SandboxRequest } from '../http.js';
import type { SandboxStore } from '../model.js';

/** POST/DELETE /rest/v1/lists/{id}/leads.json: membership by lead id, ≤ 300 per call. */
export function changeMembership(store: SandboxStore, listId: number, request: SandboxRequest, op: 'add' | 'remove'): SandboxReply {
  const list = store.lists.get(listId);
  if (!list) return fail('1013', 'Static list not found');
  const input = (request.json as { input?: Array<{ id?: number }> } | undefined)?.input;
  if (!Array.isArray(input) || input.length === 0) return fail('1003', 'input is required');
  if (input.length > 300) return fail('1003', 'Too many records (max 300)');
  return ok(
    input.map(({ id }) => {
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

/** GET /rest/v1/lists/{id}/leads/ismember.json?id=1,2 */
export function isMember(store: SandboxStore, listId: number, request: SandboxRequest): SandboxReply {
  const list = store.lists.get(listId);
  if (!list) return fail('1013', 'Static list not found');
  const ids = (param(request, 'id') ?? '').split(',').filter(Boolean).map(Number);
  return ok(ids.map((id) => ({ id, status: store.leads.has(id) ? (list.members.has(id) ? 'memberof' : 'notmemberof') : 'skipped' })));
}
