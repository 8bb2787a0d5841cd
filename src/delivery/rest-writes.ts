import { inject, injectable } from 'inversify';
import type { Activation } from '../activation/activations.js';
import type { CallMeter } from '../marketo/client.js';
import { LeadsApi, type SyncOutcome, type SyncSpec } from '../marketo/endpoints/leads.js';
import { ListMembershipApi, type MembershipOutcome } from '../marketo/endpoints/list-membership.js';
import type { RecordBatch } from '../marketo/record-batch.js';
import { SharedCallQueue, SharedCalls, type CallShape, type Settled } from '../marketo/shared-calls.js';
import type { ResolvedOptions } from '../options.js';
import { TOKENS } from '../tokens.js';
import type { FieldValue } from './intake.js';

/** An outcome with the id Marketo gave the request that carried it (for support and reports). */
export type Answered<O> = O & { requestId?: string };

/** SPEC §7: a REST body is at most 1 MB; keep clear of it for the envelope around the records. */
const MAX_BODY_BYTES = 1_000_000;

/**
 * The REST executor's calls: updates by id, creates with the partition, list adds and removes —
 * each through the activation's shared calls, so records of concurrent deliveries travel
 * together, in calls of at most 300 records and 1 MB.
 */
@injectable()
export class RestWrites {
  constructor(
    @inject(LeadsApi) private readonly leads: LeadsApi,
    @inject(ListMembershipApi) private readonly membership: ListMembershipApi,
    @inject(SharedCalls) private readonly shared: SharedCalls,
    @inject(TOKENS.Options) private readonly options: ResolvedOptions,
  ) {}

  /** Updates matched leads by id, without a partition (an update may not move a lead). */
  update(activation: Activation, items: ReadonlyArray<{ leadId: number; fields: ReadonlyMap<string, FieldValue> }>, meter: CallMeter): Promise<Array<Settled<Answered<SyncOutcome>>>> {
    const records = items.map((item) => ({ id: item.leadId, ...Object.fromEntries(item.fields) }));
    return this.syncQueue(activation, 'update', { action: 'updateOnly', lookupField: 'id' }).submit(records, meter);
  }

  /** Creates unmatched leads in the selected partition; `createOnly`, so a lead created meanwhile answers 1005. */
  create(activation: Activation, items: ReadonlyArray<{ dedupeValue: string; fields: ReadonlyMap<string, FieldValue> }>, meter: CallMeter): Promise<Array<Settled<Answered<SyncOutcome>>>> {
    const { dedupeField } = activation.config;
    const records = items.map((item) => ({ ...Object.fromEntries(item.fields), [dedupeField]: item.dedupeValue }));
    const spec: SyncSpec = { action: 'createOnly', lookupField: dedupeField, partitionName: activation.config.partition ?? 'Default' };
    return this.syncQueue(activation, 'create', spec).submit(records, meter);
  }

  changeList(activation: Activation, listId: number, op: 'add' | 'remove', leadIds: readonly number[], meter: CallMeter): Promise<Array<Settled<Answered<MembershipOutcome>>>> {
    const queue = this.shared.queue<number, Answered<MembershipOutcome>>(activation.id, `list:${listId}:${op}`, () =>
      new SharedCallQueue<number, Answered<MembershipOutcome>>(this.shape(() => 16), async (batch: RecordBatch<number>) => {
        const answer = op === 'add' ? await this.membership.add(activation.target, listId, batch) : await this.membership.remove(activation.target, listId, batch);
        return answer.outcomes.map((outcome) => ({ ...outcome, ...(answer.requestId && { requestId: answer.requestId }) }));
      }),
    );
    return queue.submit(leadIds, meter);
  }

  private syncQueue(activation: Activation, kind: 'update' | 'create', spec: SyncSpec): SharedCallQueue<Record<string, unknown>, Answered<SyncOutcome>> {
    return this.shared.queue(activation.id, kind, () =>
      new SharedCallQueue<Record<string, unknown>, Answered<SyncOutcome>>(
        this.shape((record) => Buffer.byteLength(JSON.stringify(record)) + 1),
        async (batch) => {
          const answer = await this.leads.sync(activation.target, spec, batch);
          return answer.outcomes.map((outcome) => ({ ...outcome, ...(answer.requestId && { requestId: answer.requestId }) }));
        },
      ),
    );
  }

  private shape<R>(sizeOf: (record: R) => number): CallShape<R> {
    return { maxRecords: this.options.limits.batchSize, maxBytes: MAX_BODY_BYTES, sizeOf };
  }
}
