/** The sandbox's in-memory Marketo instance: what the REST handlers read and change. */

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
  fields: Record<string, string | number | boolean | null>;
}

export interface SandboxFolder {
  id: number;
  name: string;
  parentId?: number;
  workspace: string;
}

export interface SandboxList {
  id: number;
  name: string;
  folderId: number;
  workspace: string;
  members: Set<number>;
}

export interface SandboxSeed {
  fields: SandboxField[];
  searchableFields: string[][];
  partitions: Array<{ id: number; name: string; description?: string }>;
  workspaces: Array<{ id: number; name: string; description?: string }>;
  folders: Array<{ id: number; name: string; parentId?: number; workspace: string }>;
  lists: Array<{ id: number; name: string; folderId: number; members?: number[] }>;
  leads: Array<{ id: number; partition?: string; updatedAt?: string; fields: Record<string, string | number | boolean | null> }>;
}

/** Lead-field values as Marketo stores them; an invalid value gives the reason Marketo would. */
export function valueProblem(field: SandboxField, value: unknown): string | undefined {
  if (value === null) return undefined;
  switch (field.dataType) {
    case 'email':
      return typeof value === 'string' && /^[\x21-\x7e]+@[\x21-\x7e]+\.[a-z0-9-]+$/i.test(value) ? undefined : `Invalid email address for field ${field.name}`;
    case 'integer':
      return Number.isInteger(typeof value === 'string' && value.trim() !== '' ? Number(value) : value) ? undefined : `Invalid integer for field ${field.name}`;
    case 'float':
    case 'currency':
      return Number.isFinite(typeof value === 'string' && value.trim() !== '' ? Number(value) : value) ? undefined : `Invalid number for field ${field.name}`;
    case 'boolean':
      return typeof value === 'boolean' || value === 'true' || value === 'false' ? undefined : `Invalid boolean for field ${field.name}`;
    case 'date':
    case 'datetime':
      return typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? undefined : `Invalid date for field ${field.name}`;
    default:
      if (typeof value !== 'string' && typeof value !== 'number') return `Invalid value for field ${field.name}`;
      return field.length !== undefined && String(value).length > field.length ? `Value too long for field ${field.name} (max ${field.length})` : undefined;
  }
}

export class SandboxStore {
  readonly fields: SandboxField[];
  readonly searchableFields: string[][];
  readonly partitions: Array<{ id: number; name: string; description?: string }>;
  readonly workspaces: Array<{ id: number; name: string; description?: string }>;
  readonly folders = new Map<number, SandboxFolder>();
  readonly lists = new Map<number, SandboxList>();
  readonly leads = new Map<number, SandboxLead>();
  private nextLeadId = 1;
  private nextAssetId = 1;
  /** field → normalised value → lead ids; built on first lookup by that field. */
  private readonly indexes = new Map<string, Map<string, Set<number>>>();

  constructor(seed: SandboxSeed, private readonly now: () => number) {
    this.fields = seed.fields;
    this.searchableFields = seed.searchableFields;
    this.partitions = seed.partitions;
    this.workspaces = seed.workspaces;
    for (const folder of seed.folders) this.folders.set(folder.id, { ...folder });
    for (const list of seed.lists) {
      const folder = this.folders.get(list.folderId);
      this.lists.set(list.id, { id: list.id, name: list.name, folderId: list.folderId, workspace: folder?.workspace ?? 'Default', members: new Set(list.members ?? []) });
    }
    for (const lead of seed.leads) {
      const partitionId = this.partitionByName(lead.partition ?? 'Default')?.id ?? 1;
      const at = lead.updatedAt ?? new Date(now()).toISOString();
      this.leads.set(lead.id, { id: lead.id, partitionId, createdAt: at, updatedAt: at, fields: { ...lead.fields } });
    }
    this.nextLeadId = Math.max(0, ...this.leads.keys()) + 1;
    this.nextAssetId = Math.max(1000, ...this.folders.keys(), ...this.lists.keys()) + 1;
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

  createLead(partitionId: number, fields: Record<string, string | number | boolean | null>): SandboxLead {
    const at = new Date(this.now()).toISOString();
    const lead: SandboxLead = { id: this.nextLeadId++, partitionId, createdAt: at, updatedAt: at, fields: { ...fields } };
    this.leads.set(lead.id, lead);
    this.reindex(lead, 'add');
    return lead;
  }

  updateLead(lead: SandboxLead, fields: Record<string, string | number | boolean | null>): void {
    this.reindex(lead, 'delete');
    Object.assign(lead.fields, fields);
    lead.updatedAt = new Date(this.now()).toISOString();
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

  createFolder(name: string, parentId: number, workspace: string): SandboxFolder {
    const folder = { id: this.nextAssetId++, name, parentId, workspace };
    this.folders.set(folder.id, folder);
    return folder;
  }

  createList(name: string, folderId: number): SandboxList {
    const folder = this.folders.get(folderId);
    const list = { id: this.nextAssetId++, name, folderId, workspace: folder?.workspace ?? 'Default', members: new Set<number>() };
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
