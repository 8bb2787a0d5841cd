import { inject, injectable } from 'inversify';
import { CallMeter, MarketoClient } from '../client.js';
import type { RecordStatus } from '../envelope.js';
import type { MarketoTarget } from '../target.js';

export interface FoundLead {
  id: number;
  updatedAt?: string | null;
  [field: string]: unknown;
}

export type SyncAction = 'createOnly' | 'updateOnly' | 'createOrUpdate' | 'createDuplicate';

export interface SyncRequest {
  action: SyncAction;
  lookupField: string;
  partitionName?: string;
  input: Array<Record<string, unknown>>;
}

/** Marketo answers HTTP 414 past 8 KB of URI; stay clear of it with room for the host part. */
export const MAX_URL_LENGTH = 8000;
const LOOKUP_PATH = '/rest/v1/leads.json';

/** Lead Database leads: lookup by a searchable field, Sync Leads. */
@injectable()
export class LeadsApi {
  constructor(@inject(MarketoClient) private readonly client: MarketoClient) {}

  /**
   * Every lead whose `filterType` is one of `values` (≤ 300), in every partition the API user
   * sees, following `nextPageToken`. Long value lists go as `POST …?_method=GET` with a form
   * body, which Marketo accepts for exactly this reason.
   */
  async lookup(target: MarketoTarget, filterType: string, values: string[], fields: string[], meter: CallMeter): Promise<FoundLead[]> {
    const leads: FoundLead[] = [];
    let nextPageToken: string | undefined;
    do {
      const params: Record<string, string> = {
        filterType,
        filterValues: values.join(','),
        fields: fields.join(','),
        batchSize: '300',
        ...(nextPageToken && { nextPageToken }),
      };
      const url = `${target.baseUrl}${LOOKUP_PATH}?${new URLSearchParams(params).toString()}`;
      const envelope =
        url.length > MAX_URL_LENGTH
          ? await this.client.call<FoundLead>(target, { method: 'POST', path: LOOKUP_PATH, query: { _method: 'GET' }, form: params, timeout: 'lookup', meter })
          : await this.client.call<FoundLead>(target, { method: 'GET', path: LOOKUP_PATH, query: params, timeout: 'lookup', meter });
      leads.push(...envelope.result);
      nextPageToken = envelope.moreResult || (envelope.nextPageToken && envelope.result.length > 0) ? envelope.nextPageToken : undefined;
    } while (nextPageToken);
    return leads;
  }

  /** Sync Leads; the per-record statuses come back in input order, untouched. */
  async sync(target: MarketoTarget, request: SyncRequest, meter: CallMeter): Promise<RecordStatus[]> {
    const envelope = await this.client.call<RecordStatus>(target, {
      method: 'POST',
      path: LOOKUP_PATH,
      json: request,
      timeout: 'syncLeads',
      meter,
    });
    return envelope.result;
  }
}
