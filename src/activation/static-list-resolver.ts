import { inject, injectable } from 'inversify';
import { MappingValidationError, MarketoApiError, type ValidationIssue } from '../errors.js';
import type { CallMeter } from '../marketo/client.js';
import { FolderApi, type Folder, type FolderRef } from '../marketo/endpoints/folders.js';
import { StaticListApi } from '../marketo/endpoints/static-lists.js';
import type { MarketoTarget } from '../marketo/target.js';
import { TOKENS } from '../tokens.js';
import type { AudienceSpec, Logger, ResolvedList } from '../types.js';

/** Marketo's answer when an asset name is taken (static list and folder names are unique). */
const NAME_TAKEN = '709';
/**
 * Where Marketo keeps static lists: the system folder Group Lists of each workspace's Lead
 * Database (`/Lead Database/<workspace>/Group Lists`). The Lead Database itself is a zone,
 * not a list folder (SPEC §7, recorded responses).
 */
const GROUP_LISTS = 'Group Lists';

export interface ListPlacement {
  folderName: string;
  workspaceName: string;
}

/**
 * Maps each audience to one static list (SPEC §2.7): the list id the user gave, else the list
 * named exactly like the audience, else a new list of that name in the list folder (found by
 * name in the workspace, created in its Group Lists when missing). Losing a creation race
 * (709) falls back to the list that now exists.
 */
@injectable()
export class StaticListResolver {
  constructor(
    @inject(StaticListApi) private readonly lists: StaticListApi,
    @inject(FolderApi) private readonly folders: FolderApi,
    @inject(TOKENS.Logger) private readonly logger: Logger,
  ) {}

  /** Checks the list ids the user gave, creating nothing; unknown ones become UNKNOWN_LIST issues. */
  async verifyGivenLists(target: MarketoTarget, audiences: AudienceSpec[], meter: CallMeter): Promise<{ issues: ValidationIssue[]; lists: Map<string, ResolvedList> }> {
    const issues: ValidationIssue[] = [];
    const lists = new Map<string, ResolvedList>();
    await Promise.all(
      audiences.map(async (audience, index) => {
        if (audience.listId === undefined) return;
        const list = await this.lists.byId(target, audience.listId, meter);
        if (list) {
          lists.set(audience.id, { listId: list.id, listName: list.name, created: false });
        } else {
          issues.push({
            code: 'UNKNOWN_LIST',
            path: `audiences/${index}`,
            message: `No Marketo static list has the id ${audience.listId} (audience "${audience.name}"). Check the id, or leave it out to use a list named like the audience.`,
          });
        }
      }),
    );
    return { issues: issues.sort((a, b) => (a.path ?? '').localeCompare(b.path ?? '')), lists };
  }

  /** Finds or creates the list of each audience, in audience order. */
  async findOrCreate(target: MarketoTarget, audiences: AudienceSpec[], placement: ListPlacement, meter: CallMeter): Promise<Map<string, ResolvedList>> {
    const resolved = new Map<string, ResolvedList>();
    let folder: Promise<FolderRef> | undefined;
    const folderOnce = () => (folder ??= this.listFolder(target, placement, meter));
    for (const audience of audiences) {
      const existing = await this.lists.byName(target, audience.name, meter);
      if (existing) {
        resolved.set(audience.id, { listId: existing.id, listName: existing.name, created: false });
        continue;
      }
      const created = await this.createList(target, audience, await folderOnce(), meter);
      resolved.set(audience.id, created);
    }
    return resolved;
  }

  private async createList(target: MarketoTarget, audience: AudienceSpec, folder: FolderRef, meter: CallMeter): Promise<ResolvedList> {
    try {
      const list = await this.lists.create(target, audience.name, folder, `Members of the CDP audience ${audience.id}, kept in sync by the Marketo Engage destination.`, meter);
      this.logger.info('Created a Marketo static list for an audience', { audienceId: audience.id, listId: list.id });
      return { listId: list.id, listName: list.name, created: true };
    } catch (error) {
      if (!(error instanceof MarketoApiError && error.marketoCode === NAME_TAKEN)) throw error;
      const winner = await this.lists.byName(target, audience.name, meter);
      if (!winner) throw error;
      return { listId: winner.id, listName: winner.name, created: false };
    }
  }

  private async listFolder(target: MarketoTarget, { folderName, workspaceName }: ListPlacement, meter: CallMeter): Promise<FolderRef> {
    const existing = await this.folders.findByName(target, folderName, workspaceName, meter);
    if (existing) return existing.folderId;
    const parent = await this.folders.findByName(target, GROUP_LISTS, workspaceName, meter, isGroupLists);
    if (!parent) {
      throw new MappingValidationError([
        {
          code: 'LIST_FOLDER_UNAVAILABLE',
          path: 'config.listFolder',
          message: `The folder "${folderName}" does not exist in the workspace "${workspaceName}" and cannot be created: the API user sees no "${GROUP_LISTS}" folder in that workspace's Lead Database.`,
        },
      ]);
    }
    try {
      const created = await this.folders.create(target, folderName, parent.folderId, 'Static lists of CDP audiences, kept in sync by the Marketo Engage destination.', meter);
      return created.folderId;
    } catch (error) {
      if (!(error instanceof MarketoApiError && error.marketoCode === NAME_TAKEN)) throw error;
      const winner = await this.folders.findByName(target, folderName, workspaceName, meter);
      if (!winner) throw error;
      return winner.folderId;
    }
  }
}


/** The system folder Group Lists: a list folder (not a zone) that Marketo made, not a user's namesake. */
function isGroupLists(folder: Folder): boolean {
  if (folder.folderType !== undefined && folder.folderType !== 'List') return false;
  if (folder.isSystem === false) return false;
  return folder.path === undefined || /\/Group Lists$/.test(folder.path);
}
