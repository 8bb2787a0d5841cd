import { assetOk, fail, param, type SandboxReply, type SandboxRequest } from '../http.js';
import type { SandboxFolder, SandboxStore } from '../model.js';
import { assetTime } from '../time.js';

/** A folder as the asset API answers it, field for field (and in the order) of recorded answers. */
export function folderView(store: SandboxStore, folder: SandboxFolder) {
  return {
    name: folder.name,
    description: folder.description,
    createdAt: assetTime(folder.createdAt),
    updatedAt: assetTime(folder.updatedAt),
    // Marketo links user folders into its UI; a link would lead nowhere here.
    url: null,
    folderId: { id: folder.id, type: 'Folder' },
    folderType: folder.folderType,
    parent: folder.parentId === undefined ? null : { id: folder.parentId, type: 'Folder' },
    path: store.folders.path(folder),
    isArchive: false,
    isSystem: folder.isSystem,
    accessZoneId: store.workspaceId(folder.workspace),
    workspace: folder.workspace,
    id: folder.id,
  };
}

/** User Management API: a bare array, or 603 when the API user lacks the permission. */
export function workspaces(store: SandboxStore, allowed: boolean): SandboxReply {
  if (!allowed) return fail('603', 'Access denied');
  return { body: store.workspaces.map((w) => ({ ...w, globalAccess: w.name === 'Default' })) };
}

/** A `{"id":N,"type":"Folder"}` parameter: the folder, `null` when it names none, undefined when absent. */
function folderParam(store: SandboxStore, request: SandboxRequest, name: string): SandboxFolder | null | undefined {
  const text = param(request, name);
  if (text === undefined) return undefined;
  try {
    const ref = JSON.parse(text) as { id?: unknown; type?: unknown };
    return typeof ref.id === 'number' && (ref.type ?? 'Folder') === 'Folder' ? (store.folders.get(ref.id) ?? null) : null;
  } catch {
    return null;
  }
}

/** GET /rest/asset/v1/folder/byName.json?name=&type=&root=&workSpace=: exact name, every match. */
export function folderByName(store: SandboxStore, request: SandboxRequest): SandboxReply {
  const name = param(request, 'name');
  const workspace = param(request, 'workSpace');
  const root = folderParam(store, request, 'root');
  if (!name) return fail('701', 'name cannot be blank');
  if (param(request, 'type') === 'Program') return assetOk([]);
  const within = root === undefined ? () => true : (f: SandboxFolder) => root !== null && isWithin(store, f, root);
  const found = store.folders.all().filter((f) => f.name === name && (!workspace || f.workspace === workspace) && within(f));
  return assetOk(found.sort((a, b) => a.id - b.id).map((f) => folderView(store, f)));
}

/**
 * GET /rest/asset/v1/folder/{id}.json?type=Folder. An unknown id answers like an unknown static
 * list (702); Marketo's exact answer for a missing folder is not documented.
 */
export function folderById(store: SandboxStore, id: number, request: SandboxRequest): SandboxReply {
  const folder = param(request, 'type') === 'Program' ? undefined : store.folders.get(id);
  return folder ? assetOk([folderView(store, folder)]) : fail('702', 'No data found for the given search criteria');
}

function isWithin(store: SandboxStore, folder: SandboxFolder, root: SandboxFolder): boolean {
  for (let current: SandboxFolder | undefined = folder; current; current = current.parentId === undefined ? undefined : store.folders.get(current.parentId)) {
    if (current.id === root.id) return true;
  }
  return false;
}

/**
 * GET /rest/asset/v1/folders.json: browse from `root` (or from every zone) down `maxDepth`
 * levels (default 2; 0 is the root alone), in tree order, `offset`/`maxReturn` (default 20,
 * at most 200) paging, filtered to one `workSpace`.
 */
export function listFolders(store: SandboxStore, request: SandboxRequest): SandboxReply {
  const workspace = param(request, 'workSpace');
  const root = folderParam(store, request, 'root');
  if (root === null) return assetOk([]);
  const maxDepth = Number(param(request, 'maxDepth') ?? 2);
  const maxReturn = Math.min(200, Number(param(request, 'maxReturn') ?? 20) || 20);
  const offset = Number(param(request, 'offset') ?? 0) || 0;
  const found: SandboxFolder[] = [];
  const visit = (folder: SandboxFolder, depth: number) => {
    if (!workspace || folder.workspace === workspace) found.push(folder);
    if (depth < maxDepth) for (const child of store.folders.children(folder.id)) visit(child, depth + 1);
  };
  for (const top of root ? [root] : store.folders.roots()) visit(top, 0);
  return assetOk(found.slice(offset, offset + maxReturn).map((f) => folderView(store, f)));
}

/**
 * POST /rest/asset/v1/folders.json (form: name, parent, description). Marketo's docs say child
 * folders may be created under system folders (Group Lists); whether it refuses one directly
 * under a Lead Database zone is not documented, so the sandbox allows it. Names are unique
 * among a folder's children (709).
 */
export function createFolder(store: SandboxStore, request: SandboxRequest): SandboxReply {
  const name = param(request, 'name');
  const parent = folderParam(store, request, 'parent');
  if (!name) return fail('701', 'name cannot be blank');
  if (parent === undefined) return fail('701', 'parent cannot be blank');
  if (parent === null) return fail('710', 'Parent Folder Not Found');
  if (store.folders.children(parent.id).some((f) => f.name === name)) return fail('709', `Folder '${name}' already exists`);
  return assetOk([folderView(store, store.createFolder(name, parent, param(request, 'description') ?? null))]);
}
