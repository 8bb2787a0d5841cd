import { inject, injectable } from 'inversify';
import { CallMeter, MarketoClient } from '../client.js';
import type { RecordStatus } from '../envelope.js';
import type { MarketoTarget } from '../target.js';

/** Static list membership by lead id (≤ 300 a call); statuses come back in input order. */
@injectable()
export class ListMembershipApi {
  constructor(@inject(MarketoClient) private readonly client: MarketoClient) {}

  async add(target: MarketoTarget, listId: number, leadIds: number[], meter: CallMeter): Promise<RecordStatus[]> {
    return this.change('POST', target, listId, leadIds, meter);
  }

  async remove(target: MarketoTarget, listId: number, leadIds: number[], meter: CallMeter): Promise<RecordStatus[]> {
    return this.change('DELETE', target, listId, leadIds, meter);
  }

  private async change(method: 'POST' | 'DELETE', target: MarketoTarget, listId: number, leadIds: number[], meter: CallMeter): Promise<RecordStatus[]> {
    const envelope = await this.client.call<RecordStatus>(target, {
      method,
      path: `/rest/v1/lists/${listId}/leads.json`,
      json: { input: leadIds.map((id) => ({ id })) },
      meter,
    });
    return envelope.result;
  }
}
