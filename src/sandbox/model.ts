import { FolderTree, type FolderType, type SandboxFolder } from './folders.js';
import { leadTime } from './time.js';

/** The sandbox's in-memory Marketo instance: what the REST handlers read and change. */

export type FieldValue = string | number | boolean | null;

export interface SandboxField {
  name: string;
  displayName: string;
  dataType: string;
  length?: number;
  updateable: boolean;
  crmManaged?: boolean;
}

export interface SandboxLead {
  id: number;
  partitionId: number;
  createdAt: string;
  updatedAt: string;
  fields: Record<string, FieldValue>;
}

export interface SandboxList {
  id: number;
  name: string;
  description: string | null;
  folderId: number;
  workspace: string;
  createdAt: number;
  updatedAt: number;
  members: Set<number>;
}

/** A folder of the seed. Zones are the folders without a parent; types and flags default from where a folder sits. */
export interface SeedFolder {
  id: number;
  name: string;
  parentId?: number;
  workspace: string;
  folderType?: FolderType;
  isSystem?: boolean;
  description?: string;
}

export interface SandboxSeed {
  fields: SandboxField[];
  searchableFields: string[][];
  partitions: Array<{ id: number; name: string; description?: string }>;
  workspaces: Array<{ id: number; name: string; description?: string }>;
  folders: SeedFolder[];
  lists: Array<{ id: number; name: string; folderId: number; description?: string; members?: number[] }>;
  leads: Array<{ id: number; partition?: string; createdAt?: string; updatedAt?: string; fields: Record<string, FieldValue> }>;
}

export { type SandboxFolder } from './folders.js';

export class SandboxStore {
  readonly fields: SandboxField[];
  readonly searchableFields: string[][];
  readonly partitions: Array<{ id: number; name: string; description?: string }>;
  readonly workspaces: Array<{ id: number; name: string; description?: string }>;
  readonly folders: FolderTree;
  readonly lists = new Map<number, SandboxList>();
  readonly leads = new Map<number, SandboxLead>();
  private nextLeadId = 1;
  private nextAssetId: number;
  /** field → normalised value → lead ids; built on first lookup by that field. */
  private readonly indexes = new Map<string, Map<string, Set<number>>>();

  constructor(seed: SandboxSeed, private readonly now: () => number) {
    this.fields = seed.fields;
    this.searchableFields = seed.searchableFields;
    this.partitions = seed.partitions;
    this.workspaces = seed.workspaces;
    const at = now();
    this.nextAssetId = [...seed.folders, ...seed.lists].reduce((max, asset) => Math.max(max, asset.id), 1000) + 1;
    this.folders = new FolderTree(seed.folders, seed.workspaces.map((w) => w.name), at, () => this.nextAssetId++);
    for (const list of seed.lists) {
      const workspace = this.folders.get(list.folderId)?.workspace ?? 'Default';
      this.lists.set(list.id, { id: list.id, name: list.name, description: list.description ?? null, folderId: list.folderId, workspace, createdAt: at, updatedAt: at, members: new Set(list.members ?? []) });
    }
    for (const lead of seed.leads) {
      const partitionId = this.partitionByName(lead.partition ?? 'Default')?.id ?? 1;
      const updatedAt = lead.updatedAt ?? leadTime(at);
      this.leads.set(lead.id, { id: lead.id, partitionId, createdAt: lead.createdAt ?? updatedAt, updatedAt, fields: { ...lead.fields } });
    }
    // A loop, not Math.max(...ids): a seed of a million leads would overflow the call stack.
    this.nextLeadId = [...this.leads.keys()].reduce((max, id) => Math.max(max, id), 0) + 1;
  }

  field(name: string): SandboxField | undefined {
    return this.fields.find((f) => f.name === name);
  }

  isSearchable(name: string): boolean {
    return name === 'id' || this.searchableFields.some((key) => key.length === 1 && key[0] === name);
  }

  partitionByName(name: string) {
    return this.partitions.find((p) => p.name === name);
  }

  workspaceId(name: string): number {
    return this.workspaces.find((w) => w.name === name)?.id ?? 1;
  }

  /** The id the next created lead gets: leads at or above it did not exist when this was read. */
  get leadIdWatermark(): number {
    return this.nextLeadId;
  }

  /** Leads whose `field` equals `value` (emails case-insensitively), in every partition. */
  findLeads(field: string, value: unknown): SandboxLead[] {
    if (field === 'id') {
      const lead = this.leads.get(Number(value));
      return lead ? [lead] : [];
    }
    const wanted = normalise(this.field(field)?.dataType, value);
    if (wanted === undefined) return [];
    const ids = this.index(field).get(wanted);
    return ids ? [...ids].map((id) => this.leads.get(id)!) : [];
  }

  private index(field: string): Map<string, Set<number>> {
    let index = this.indexes.get(field);
    if (!index) {
      index = new Map();
      this.indexes.set(field, index);
      for (const lead of this.leads.values()) this.indexLead(field, index, lead, 'add');
    }
    return index;
  }

  private indexLead(field: string, index: Map<string, Set<number>>, lead: SandboxLead, op: 'add' | 'delete'): void {
    const key = normalise(this.field(field)?.dataType, lead.fields[field]);
    if (key === undefined) return;
    let ids = index.get(key);
    if (!ids) index.set(key, (ids = new Set()));
    if (op === 'add') ids.add(lead.id);
    else ids.delete(lead.id);
  }

  private reindex(lead: SandboxLead, op: 'add' | 'delete'): void {
    for (const [field, index] of this.indexes) this.indexLead(field, index, lead, op);
  }

  createLead(partitionId: number, fields: Record<string, FieldValue>): SandboxLead {
    const at = leadTime(this.now());
    const lead: SandboxLead = { id: this.nextLeadId++, partitionId, createdAt: at, updatedAt: at, fields: { ...fields } };
    this.leads.set(lead.id, lead);
    this.reindex(lead, 'add');
    return lead;
  }

  updateLead(lead: SandboxLead, fields: Record<string, FieldValue>): void {
    this.reindex(lead, 'delete');
    Object.assign(lead.fields, fields);
    lead.updatedAt = leadTime(this.now());
    this.reindex(lead, 'add');
  }

  /** A lead as the REST API returns it, with the requested fields (absent ones null). */
  view(lead: SandboxLead, fields: string[]): Record<string, unknown> {
    const out: Record<string, unknown> = { id: lead.id };
    for (const name of fields) {
      if (name === 'id') continue;
      out[name] = name === 'updatedAt' ? lead.updatedAt : name === 'createdAt' ? lead.createdAt : name === 'leadPartitionId' ? lead.partitionId : (lead.fields[name] ?? null);
    }
    return out;
  }

  createFolder(name: string, parent: SandboxFolder, description: string | null = null): SandboxFolder {
    return this.folders.create(name, parent, description, this.now());
  }

  createList(name: string, folderId: number, description: string | null = null): SandboxList {
    const workspace = this.folders.get(folderId)?.workspace ?? 'Default';
    const at = this.now();
    const list: SandboxList = { id: this.nextAssetId++, name, description, folderId, workspace, createdAt: at, updatedAt: at, members: new Set<number>() };
    this.lists.set(list.id, list);
    return list;
  }

  listByName(name: string): SandboxList | undefined {
    return [...this.lists.values()].find((l) => l.name === name);
  }
}

function normalise(dataType: string | undefined, value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  const text = String(value).trim();
  return dataType === 'email' ? text.toLowerCase() : text;
}
