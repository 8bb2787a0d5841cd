import type { SeedFolder } from './model.js';

/** The folder types the sandbox knows: Marketo's root zones, list folders and marketing folders. */
export type FolderType = 'Zone' | 'List' | 'Marketing Folder';

export interface SandboxFolder {
  id: number;
  name: string;
  parentId?: number;
  workspace: string;
  folderType: FolderType;
  isSystem: boolean;
  description: string | null;
  createdAt: number;
  updatedAt: number;
}

/** Root zones of the areas that hold folders the plugin uses (Lead Database) or sees (Marketing Activities). */
const AREA_CHILD_TYPE: Record<string, FolderType> = { 'Lead Database': 'List', 'Marketing Activities': 'Marketing Folder' };
export const LEAD_DATABASE = 'Lead Database';
export const GROUP_LISTS = 'Group Lists';

/**
 * The asset folders of an instance. Real Marketo has one root zone per area ("/Lead Database")
 * and under it one zone per workspace ("/Lead Database/Default"); the sandbox folds the two into
 * one zone per workspace, named after the area, so that a lookup by name within a workspace
 * finds it. Every workspace's Lead Database zone holds the system folder `Group Lists`, where
 * static lists and their user folders live. Paths keep the workspace as their second entry, as
 * recorded answers show ("/Lead Database/Default/Group Lists") and as Marketo's folder docs
 * state for instances with workspaces.
 */
export class FolderTree {
  private readonly byId = new Map<number, SandboxFolder>();

  constructor(seed: SeedFolder[], workspaces: string[], at: number, private readonly nextId: () => number) {
    for (const folder of seed) this.byId.set(folder.id, this.fromSeed(folder, at));
    for (const workspace of workspaces) this.ensureGroupLists(workspace, at);
  }

  get(id: number): SandboxFolder | undefined {
    return this.byId.get(id);
  }

  all(): SandboxFolder[] {
    return [...this.byId.values()];
  }

  ids(): number[] {
    return [...this.byId.keys()];
  }

  children(id: number): SandboxFolder[] {
    return this.all().filter((f) => f.parentId === id).sort((a, b) => a.id - b.id);
  }

  roots(): SandboxFolder[] {
    return this.all().filter((f) => f.parentId === undefined).sort((a, b) => a.id - b.id);
  }

  zoneOf(folder: SandboxFolder): SandboxFolder {
    let current = folder;
    while (current.parentId !== undefined && this.byId.has(current.parentId)) current = this.byId.get(current.parentId)!;
    return current;
  }

  path(folder: SandboxFolder): string {
    const names: string[] = [];
    let current: SandboxFolder | undefined = folder;
    while (current && current.parentId !== undefined) {
      names.unshift(current.name);
      current = this.byId.get(current.parentId);
    }
    const zone = current ?? folder;
    return names.length === 0 ? `/${zone.name}` : `/${zone.name}/${folder.workspace}/${names.join('/')}`;
  }

  /** The `Group Lists` system folder of a workspace. */
  groupLists(workspace: string): SandboxFolder | undefined {
    return this.all().find((f) => f.name === GROUP_LISTS && f.isSystem && f.workspace === workspace);
  }

  create(name: string, parent: SandboxFolder, description: string | null, at: number): SandboxFolder {
    const area = this.zoneOf(parent).name;
    const folder: SandboxFolder = {
      id: this.nextId(),
      name,
      parentId: parent.id,
      workspace: parent.workspace,
      folderType: AREA_CHILD_TYPE[area] ?? 'Marketing Folder',
      isSystem: false,
      description,
      createdAt: at,
      updatedAt: at,
    };
    this.byId.set(folder.id, folder);
    return folder;
  }

  private fromSeed(folder: SeedFolder, at: number): SandboxFolder {
    const isZone = folder.parentId === undefined;
    const parent = folder.parentId === undefined ? undefined : this.byId.get(folder.parentId);
    const area = isZone ? folder.name : parent ? this.zoneOf(parent).name : '';
    return {
      id: folder.id,
      name: folder.name,
      ...(folder.parentId !== undefined && { parentId: folder.parentId }),
      workspace: folder.workspace,
      folderType: folder.folderType ?? (isZone ? 'Zone' : (AREA_CHILD_TYPE[area] ?? 'Marketing Folder')),
      isSystem: folder.isSystem ?? (isZone || (folder.name === GROUP_LISTS && parent?.folderType === 'Zone')),
      description: folder.description ?? null,
      createdAt: at,
      updatedAt: at,
    };
  }

  /** Completes a seed that lacks a workspace's Lead Database zone or its Group Lists folder. */
  private ensureGroupLists(workspace: string, at: number): void {
    let zone = this.roots().find((f) => f.name === LEAD_DATABASE && f.workspace === workspace);
    if (!zone) {
      zone = { id: this.nextId(), name: LEAD_DATABASE, workspace, folderType: 'Zone', isSystem: true, description: null, createdAt: at, updatedAt: at };
      this.byId.set(zone.id, zone);
    }
    if (this.groupLists(workspace)) return;
    const groupLists: SandboxFolder = { id: this.nextId(), name: GROUP_LISTS, parentId: zone.id, workspace, folderType: 'List', isSystem: true, description: null, createdAt: at, updatedAt: at };
    this.byId.set(groupLists.id, groupLists);
  }
}
