import { inject, injectable } from 'inversify';
import { MarketoApiError } from '../../errors.js';
import { CallMeter, MarketoClient } from '../client.js';
import type { MarketoTarget } from '../target.js';
import type { FolderRef } from './folders.js';

export interface StaticList {
  id: number;
  name: string;
  folder?: { id: number; type: string; name?: string };
  workspace?: string;
}

/** Codes Marketo uses for "no such asset". */
const NOT_FOUND = new Set(['702', '610', '1013']);

/** Asset API static lists: find by id or exact name, create. Names are unique per instance. */
@injectable()
export class StaticListApi {
  constructor(@inject(MarketoClient) private readonly client: MarketoClient) {}

  async byId(target: MarketoTarget, id: number, meter?: CallMeter): Promise<StaticList | undefined> {
    try {
      const envelope = await this.client.call<StaticList>(target, {
        method: 'GET',
        path: `/rest/asset/v1/staticList/${id}.json`,
        ...(meter && { meter }),
      });
      return envelope.result.find((list) => list.id === id);
    } catch (error) {
      if (error instanceof MarketoApiError && NOT_FOUND.has(error.marketoCode)) return undefined;
      throw error;
    }
  }

  async byName(target: MarketoTarget, name: string, meter?: CallMeter): Promise<StaticList | undefined> {
    try {
      const envelope = await this.client.call<StaticList>(target, {
        method: 'GET',
        path: '/rest/asset/v1/staticList/byName.json',
        query: { name },
        ...(meter && { meter }),
      });
      return envelope.result.find((list) => list.name === name);
    } catch (error) {
      if (error instanceof MarketoApiError && NOT_FOUND.has(error.marketoCode)) return undefined;
      throw error;
    }
  }

  /** Throws MarketoApiError 709 when a list of that name already exists. */
  async create(target: MarketoTarget, name: string, folder: FolderRef, description: string, meter?: CallMeter): Promise<StaticList> {
    const envelope = await this.client.call<StaticList>(target, {
      method: 'POST',
      path: '/rest/asset/v1/staticLists.json',
      form: { name, folder: JSON.stringify(folder), description },
      ...(meter && { meter }),
    });
    const list = envelope.result[0];
    if (!list) throw new MarketoApiError('empty', 'list creation returned no list', 'POST /rest/asset/v1/staticLists.json');
    return list;
  }
}
