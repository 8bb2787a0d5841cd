import { inject, injectable } from 'inversify';
import { MarketoApiError, MarketoTransportError, PermissionError } from '../../errors.js';
import type { Logger } from '../../types.js';
import { TOKENS } from '../../tokens.js';
import { CallMeter, MarketoClient } from '../client.js';
import type { MarketoTarget } from '../target.js';
import { FolderApi } from './folders.js';

export interface Workspace {
  /** The workspace id as a string; when only folder names are visible, the name itself. */
  id: string;
  name: string;
}

/**
 * Workspaces come only from the User Management API, which needs extra permissions. When it
 * is refused, the workspace names carried by folders are the next best answer (no ids then:
 * the name stands in for the id).
 */
@injectable()
export class WorkspaceApi {
  constructor(
    @inject(MarketoClient) private readonly client: MarketoClient,
    @inject(FolderApi) private readonly folders: FolderApi,
    @inject(TOKENS.Logger) private readonly logger: Logger,
  ) {}

  async list(target: MarketoTarget, meter?: CallMeter): Promise<Workspace[]> {
    try {
      const data = await this.client.callBare(target, {
        method: 'GET',
        path: '/userservice/management/v1/users/workspaces.json',
        ...(meter && { meter }),
      });
      const rows = Array.isArray(data) ? data : [];
      return rows
        .filter((w): w is { id: number | string; name: string } => w !== null && typeof w === 'object' && typeof w.name === 'string')
        .map((w) => ({ id: String(w.id), name: w.name }));
    } catch (error) {
      if (!isRefusal(error)) throw error;
      this.logger.info('The User Management API is not available to this API user; listing workspaces from folders', {
        munchkinId: target.munchkinId,
      });
      const folders = await this.folders.list(target, { maxDepth: 1 }, meter);
      const names = [...new Set(folders.map((f) => f.workspace).filter((n): n is string => typeof n === 'string'))];
      if (!names.includes('Default')) names.unshift('Default');
      return names.map((name) => ({ id: name, name }));
    }
  }
}

/** The User Management API answers a missing permission with 603 or an HTTP 4xx. */
function isRefusal(error: unknown): boolean {
  if (error instanceof PermissionError) return true;
  if (error instanceof MarketoApiError) return true;
  return error instanceof MarketoTransportError && error.httpStatus !== undefined && error.httpStatus >= 400 && error.httpStatus < 500;
}
