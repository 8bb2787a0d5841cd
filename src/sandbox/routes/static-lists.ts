import { assetOk, fail, param, type SandboxReply, type SandboxRequest } from '../http.js';
import type { SandboxList, SandboxStore } from '../model.js';
import { assetTime } from '../time.js';

/** A static list as the asset API answers it (recorded: id, name, timestamps, folder, computedUrl, workspace). */
function listView(list: SandboxList) {
  return {
    id: list.id,
    name: list.name,
    ...(list.description && { description: list.description }),
    createdAt: assetTime(list.createdAt),
    updatedAt: assetTime(list.updatedAt),
    folder: { id: list.folderId, type: 'Folder' },
    // Marketo links the list in its UI; `.invalid` keeps the shape without an address.
    computedUrl: `https://app.sandbox.invalid/#ST${list.id}A1`,
    workspace: list.workspace,
  };
}

export function listById(store: SandboxStore, id: number): SandboxReply {
  const list = store.lists.get(id);
  return list ? assetOk([listView(list)]) : fail('702', 'No data found for the given search criteria');
}

export function listByName(store: SandboxStore, request: SandboxRequest): SandboxReply {
  const list = store.listByName(param(request, 'name') ?? '');
  return assetOk(list ? [listView(list)] : []);
}

/**
 * POST /rest/asset/v1/staticLists.json (form: name, folder, description). Names are unique in
 * the instance (709). Whether Marketo refuses a list in a zone or a marketing folder is not
 * documented; the sandbox takes any existing folder.
 */
export function createList(store: SandboxStore, request: SandboxRequest): SandboxReply {
  const name = param(request, 'name');
  let folderId: number | undefined;
  try {
    const ref = JSON.parse(param(request, 'folder') ?? '{}') as { id?: unknown };
    folderId = typeof ref.id === 'number' ? ref.id : undefined;
  } catch {
    folderId = undefined;
  }
  if (!name) return fail('701', 'name cannot be blank');
  if (folderId === undefined) return fail('701', 'folder cannot be blank');
  if (!store.folders.get(folderId)) return fail('710', 'Parent Folder Not Found');
  if (store.listByName(name)) return fail('709', `Static list '${name}' already exists`);
  return assetOk([listView(store.createList(name, folderId, param(request, 'description') ?? null))]);
}
