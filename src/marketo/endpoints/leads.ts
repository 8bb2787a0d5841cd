import { inject, injectable } from 'inversify';
import { MarketoApiError, MarketoTransportError } from '../../errors.js';
import { MarketoClient, type MarketoRequest } from '../client.js';
import { firstReason, type MarketoError, type RecordStatus } from '../envelope.js';
import type { RecordBatch } from '../record-batch.js';
import type { MarketoTarget } from '../target.js';

export interface FoundLead {
  id: number;
  updatedAt?: string | null;
  [field: string]: unknown;
}

export type SyncAction = 'createOnly' | 'updateOnly' | 'createOrUpdate' | 'createDuplicate';

export interface SyncSpec {
  action: SyncAction;
  lookupField: string;
  partitionName?: string;
}

/** What Marketo did with one record of a Sync Leads call. */
export type SyncOutcome =
  | { status: 'created' | 'updated'; id: number }
  | { status: 'skipped'; reason: MarketoError }
  /** Written or not, Marketo did not say in a way we can use (an undocumented status, a created lead without id). */
  | { status: 'unclear'; detail: string };

export interface SyncAnswer {
  outcomes: SyncOutcome[];
  requestId?: string;
}

/** Marketo answers HTTP 414 past 8 KB of URI; stay clear of it with room for the host part. */
export const MAX_URL_LENGTH = 8000;
/** SPEC §7: one lookup makes at most 10 calls per chunk and attempt (1 000 matches fill 4 pages). */
const MAX_LOOKUP_PAGES = 10;
const LEADS_PATH = '/rest/v1/leads.json';

/** Lead Database leads: lookup by a searchable field, Sync Leads. */
@injectable()
export class LeadsApi {
  constructor(@inject(MarketoClient) private readonly client: MarketoClient) {}

  /**
   * Every lead whose `filterType` is one of the batch's values (≤ 300), in every partition the
   * API user sees, following `nextPageToken`. Long value lists go as `POST …?_method=GET` with a
   * form body, which Marketo accepts for exactly this reason. Throws `1003` as Marketo does when
   * more than 1 000 leads match (the caller splits).
   */
  async lookup(target: MarketoTarget, filterType: string, batch: RecordBatch<string>, fields: string[]): Promise<FoundLead[]> {
    const leads: FoundLead[] = [];
    const tokensSeen = new Set<string>();
    let nextPageToken: string | undefined;
    for (let page = 1; ; page++) {
      const request: MarketoRequest = { method: 'GET', path: LEADS_PATH, timeout: 'lookup', meter: batch.counter };
      const build = () => {
        batch.seal();
        const params: Record<string, string> = {
          filterType,
          filterValues: batch.records.join(','),
          fields: fields.join(','),
          batchSize: '300',
          ...(nextPageToken && { nextPageToken }),
        };
        const url = `${target.baseUrl}${LEADS_PATH}?${new URLSearchParams(params).toString()}`;
        if (url.length > MAX_URL_LENGTH) Object.assign(request, { method: 'POST', query: { _method: 'GET' }, form: params });
        else request.query = params;
      };
      if (batch.isSealed) build();
      else request.beforeFirstSend = build;
      const envelope = await this.client.call<FoundLead>(target, request);
      for (const lead of envelope.result) {
        const id = leadId(lead?.id);
        if (id !== undefined) leads.push({ ...lead, id });
      }
      nextPageToken = envelope.moreResult || (envelope.nextPageToken && envelope.result.length > 0) ? envelope.nextPageToken : undefined;
      if (!nextPageToken) return leads;
      if (tokensSeen.has(nextPageToken) || page >= MAX_LOOKUP_PAGES) {
        throw new MarketoTransportError(`GET ${LEADS_PATH}`, 200, 'PAGING_LOOP', `Marketo kept paging (${page} pages${tokensSeen.has(nextPageToken) ? ', a repeated nextPageToken' : ''})`);
      }
      tokensSeen.add(nextPageToken);
    }
  }

  /** Sync Leads; one outcome per record, in input order, or a failure of the whole call. */
  async sync(target: MarketoTarget, spec: SyncSpec, batch: RecordBatch<Record<string, unknown>>): Promise<SyncAnswer> {
    const request: MarketoRequest = { method: 'POST', path: LEADS_PATH, timeout: 'syncLeads', meter: batch.counter };
    const build = () => {
      batch.seal();
      request.json = { ...spec, input: batch.records };
    };
    if (batch.isSealed) build();
    else request.beforeFirstSend = build;
    const envelope = await this.client.call<RecordStatus>(target, request);
    checkResultCount(envelope.result, batch.records.length, `POST ${LEADS_PATH} (${spec.action})`);
    return { outcomes: envelope.result.map(syncOutcome), ...(envelope.requestId && { requestId: envelope.requestId }) };
  }
}

function syncOutcome(result: RecordStatus): SyncOutcome {
  if (result?.status === 'created' || result?.status === 'updated') {
    const id = leadId(result.id);
    return id === undefined ? { status: 'unclear', detail: `Marketo answered "${result.status}" without a lead id` } : { status: result.status, id };
  }
  if (result?.status === 'skipped') return { status: 'skipped', reason: firstReason(result) ?? { code: 'unknown', message: 'no reason given' } };
  return { status: 'unclear', detail: `Marketo answered the undocumented status ${JSON.stringify(result?.status ?? null)}` };
}

/** Lead ids are integers; some answers carry them as text. */
export function leadId(value: unknown): number | undefined {
  const id = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  return typeof id === 'number' && Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

/** Marketo returns one result per input, in order; anything else cannot be attributed. */
export function checkResultCount(results: unknown[], expected: number, operation: string): void {
  if (results.length !== expected) {
    throw new MarketoTransportError(operation, 200, 'RESULT_COUNT', `Marketo returned ${results.length} results for ${expected} records`);
  }
}

/** Lookup's `1003 Too many results match the filter`: split the values, never reject them. */
export function isTooManyResults(error: unknown): boolean {
  return error instanceof MarketoApiError && error.marketoCode === '1003' && /too many results/i.test(error.marketoMessage);
}
