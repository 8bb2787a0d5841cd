import { inject, injectable } from 'inversify';
import { MarketoApiError } from '../../errors.js';
import { CallMeter, MarketoClient } from '../client.js';
import type { MarketoTarget } from '../target.js';

export interface FolderRef {
  id: number;
  type: 'Folder' | 'Program';
}

export interface Folder {
  id: number;
  name: string;
  folderId: FolderRef;
  workspace?: string;
  parent?: FolderRef;
  /** `Zone` (an area's root, e.g. Lead Database), `List` (Group Lists and list folders), `Marketing Folder`, … */
  folderType?: string;
  isSystem?: boolean;
  /** e.g. `/Lead Database/Default/Group Lists/CDP Audiences` */
  path?: string;
}

const MAX_FOLDERS_PER_PAGE = 200;

/** Asset API folders: find by name in a workspace, list, create. */
@injectable()
export class FolderApi {
  constructor(@inject(MarketoClient) private readonly client: MarketoClient) {}

  async findByName(target: MarketoTarget, name: string, workspaceName: string, meter?: CallMeter, accept: (folder: Folder) => boolean = () => true): Promise<Folder | undefined> {
    const envelope = await this.client.call<Folder>(target, {
      method: 'GET',
      path: '/rest/asset/v1/folder/byName.json',
      query: { name, type: 'Folder', workSpace: workspaceName },
      ...(meter && { meter }),
    });
    // byName may match case-insensitively or in other workspaces: keep the exact one.
    return envelope.result.find((f) => f.name === name && (f.workspace === undefined || f.workspace === workspaceName) && accept(f));
  }

  /** One page of folders (every workspace when `workspaceName` is omitted). */
  async list(target: MarketoTarget, options: { workspaceName?: string; maxDepth?: number }, meter?: CallMeter): Promise<Folder[]> {
    const envelope = await this.client.call<Folder>(target, {
      method: 'GET',
      path: '/rest/asset/v1/folders.json',
      query: {
        maxDepth: options.maxDepth ?? 2,
        maxReturn: MAX_FOLDERS_PER_PAGE,
        ...(options.workspaceName && { workSpace: options.workspaceName }),
      },
      ...(meter && { meter }),
    });
    return envelope.result;
  }

  async create(target: MarketoTarget, name: string, parent: FolderRef, description: string, meter?: CallMeter): Promise<Folder> {
    const envelope = await this.client.call<Folder>(target, {
      method: 'POST',
      path: '/rest/asset/v1/folders.json',
      form: { name, parent: JSON.stringify(parent), description },
      ...(meter && { meter }),
    });
    const folder = envelope.result[0];
    if (!folder) throw new MarketoApiError('empty', 'folder creation returned no folder', 'POST /rest/asset/v1/folders.json');
    return folder;
  }
}
