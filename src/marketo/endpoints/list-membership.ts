import { inject, injectable } from 'inversify';
import { MarketoClient, type MarketoRequest } from '../client.js';
import { firstReason, type MarketoError, type RecordStatus } from '../envelope.js';
import type { RecordBatch } from '../record-batch.js';
import type { MarketoTarget } from '../target.js';
import { checkResultCount } from './leads.js';

/** What one lead's membership is after an add or a remove. */
export type MembershipOutcome =
  | { status: 'inList' }
  /** Removed, or was not a member (1015), or the lead is gone (1004). */
  | { status: 'notInList'; reason?: MarketoError }
  | { status: 'skipped'; reason: MarketoError };

export interface MembershipAnswer {
  outcomes: MembershipOutcome[];
  requestId?: string;
}

/** Adding a lead that is already a member: some instances answer skipped 1017 "already exists". */
const ALREADY_MEMBER = '1017';
/** Removing: 1015 the lead is not in the list, 1004 the lead does not exist — not in the list either way. */
const NOT_A_MEMBER = new Set(['1015', '1004']);

/** Static list membership by lead id (≤ 300 a call). */
@injectable()
export class ListMembershipApi {
  constructor(@inject(MarketoClient) private readonly client: MarketoClient) {}

  async add(target: MarketoTarget, listId: number, batch: RecordBatch<number>): Promise<MembershipAnswer> {
    const answer = await this.change('POST', target, listId, batch);
    return {
      ...answer,
      outcomes: answer.results.map((result): MembershipOutcome => {
        const reason = firstReason(result);
        if (result?.status === 'added' || (result?.status === 'skipped' && reason?.code === ALREADY_MEMBER)) return { status: 'inList' };
        return { status: 'skipped', reason: reason ?? { code: 'unknown', message: `Marketo answered ${JSON.stringify(result?.status ?? null)}` } };
      }),
    };
  }

  async remove(target: MarketoTarget, listId: number, batch: RecordBatch<number>): Promise<MembershipAnswer> {
    const answer = await this.change('DELETE', target, listId, batch);
    return {
      ...answer,
      outcomes: answer.results.map((result): MembershipOutcome => {
        const reason = firstReason(result);
        if (result?.status === 'removed') return { status: 'notInList' };
        if (result?.status === 'skipped' && reason && NOT_A_MEMBER.has(reason.code)) return { status: 'notInList', reason };
        return { status: 'skipped', reason: reason ?? { code: 'unknown', message: `Marketo answered ${JSON.stringify(result?.status ?? null)}` } };
      }),
    };
  }

  private async change(method: 'POST' | 'DELETE', target: MarketoTarget, listId: number, batch: RecordBatch<number>): Promise<{ results: RecordStatus[]; requestId?: string }> {
    const request: MarketoRequest = { method, path: `/rest/v1/lists/${listId}/leads.json`, meter: batch.counter };
    const build = () => {
      batch.seal();
      request.json = { input: batch.records.map((id) => ({ id })) };
    };
    if (batch.isSealed) build();
    else request.beforeFirstSend = build;
    const envelope = await this.client.call<RecordStatus>(target, request);
    checkResultCount(envelope.result, batch.records.length, `${method} /rest/v1/lists/{id}/leads.json`);
    return { results: envelope.result, ...(envelope.requestId && { requestId: envelope.requestId }) };
  }
}
