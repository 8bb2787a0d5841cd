import { fail, ok, param, type SandboxReply, type SandboxRequest } from '../http.js';
import type { SandboxFolder, SandboxList, SandboxStore } from '../model.js';

const NOT_FOUND_WARNING = { warnings: ['No assets found for the given search criteria.'] };

function folderView(folder: SandboxFolder) {
  return {
    id: folder.id,
    name: folder.name,
    folderId: { id: folder.id, type: 'Folder' },
    ...(folder.parentId !== undefined && { parent: { id: folder.parentId, type: 'Folder' } }),
    workspace: folder.workspace,
    path: `/${folder.name}`,
  };
}

function listView(store: SandboxStore, list: SandboxList) {
  const folder = store.folders.get(list.folderId);
  return { id: list.id, name: list.name, description: '', folder: { id: list.folderId, type: 'Folder', name: folder?.name }, workspace: list.workspace };
}

/** User Management API: a bare array, or 603 when the API user lacks the permission. */
export function workspaces(store: SandboxStore, allowed: boolean): SandboxReply {
  if (!allowed) return fail('603', 'Access denied');
  return { body: store.workspaces.map((w) => ({ ...w, globalAccess: w.name === 'Default' })) };
}

export function folderByName(store: SandboxStore, request: SandboxRequest): SandboxReply {
  const name = param(request, 'name');
  const workspace = param(request, 'workSpace');
  if (!name) return fail('701', 'name cannot be blank');
  const found = [...store.folders.values()].filter((f) => f.name === name && (!workspace || f.workspace === workspace));
  return found.length > 0 ? ok(found.map(folderView)) : ok([], NOT_FOUND_WARNING);
}

export function listFolders(store: SandboxStore, request: SandboxRequest): SandboxReply {
  const workspace = param(request, 'workSpace');
  const maxReturn = Number(param(request, 'maxReturn') ?? 20);
  const found = [...store.folders.values()].filter((f) => !workspace || f.workspace === workspace).slice(0, maxReturn);
  return ok(found.map(folderView));
}

/** The folder id of a `{"id":N,"type":"Folder"}` parameter, or undefined when it is not one. */
function folderIdParam(request: SandboxRequest, name: string): number | undefined {
  try {
    const ref = JSON.parse(param(request, name) ?? '{}') as { id?: unknown };
    return typeof ref.id === 'number' ? ref.id : undefined;
  } catch {
    return undefined;
  }
}

export function createFolder(store: SandboxStore, request: SandboxRequest): SandboxReply {
  const name = param(request, 'name');
  const parentId = folderIdParam(request, 'parent');
  const parentFolder = parentId === undefined ? undefined : store.folders.get(parentId);
  if (!name || !parentFolder) return fail('701', 'name and an existing parent folder (JSON) are required');
  if ([...store.folders.values()].some((f) => f.name === name && f.parentId === parentFolder.id)) return fail('709', `Folder '${name}' already exists`);
  return ok([folderView(store.createFolder(name, parentFolder.id, parentFolder.workspace))]);
}

export function listById(store: SandboxStore, id: number): SandboxReply {
  const list = store.lists.get(id);
  return list ? ok([listView(store, list)]) : fail('702', 'No data found for the given search criteria');
}

export function listByName(store: SandboxStore, request: SandboxRequest): SandboxReply {
  const list = store.listByName(param(request, 'name') ?? '');
  return list ? ok([listView(store, list)]) : ok([], NOT_FOUND_WARNING);
}

export function createList(store: SandboxStore, request: SandboxRequest): SandboxReply {
  const name = param(request, 'name');
  const folderId = folderIdParam(request, 'folder');
  if (!name || folderId === undefined || !store.folders.has(folderId)) return fail('701', 'name and an existing folder are required');
  if (store.listByName(name)) return fail('709', `Static list '${name}' already exists`);
  return ok([listView(store, store.createList(name, folderId))]);
}
