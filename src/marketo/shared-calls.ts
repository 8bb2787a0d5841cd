import { classifyFailure } from './classify.js';
import type { CallMeter } from './client.js';
import { MarketoTransportError } from '../errors.js';
import { RecordBatch } from './record-batch.js';

/** One record's answer from a call it shared with others: its own outcome, or its call's failure. */
export type Settled<O> = { ok: true; value: O } | { ok: false; error: unknown };

export interface CallShape<R> {
  /** Marketo's 300 records per Lead Database call, or less (`limits.batchSize`). */
  maxRecords: number;
  /** Marketo refuses bodies over 1 MB (HTTP 413): calls are sized by bytes too. */
  maxBytes: number;
  sizeOf(record: R): number;
}

/**
 * One kind of call (lookup, update by id, create, add to or remove from one list) of one
 * activation, shared across its deliveries (SPEC §7): records are packed into the open call —
 * the one still waiting for budget — while it has room, so that under load one call carries
 * the records of many deliveries; an idle plugin sends at once, adding no delay. Each record
 * gets its own outcome in its submitter's order; a failed call fails only the records in it.
 * A call answered 604 or HTTP 413 is sent again in halves.
 */
export class SharedCallQueue<R, O> {
  private open: { batch: RecordBatch<R>; bytes: number; answer: Promise<O[]> } | undefined;

  constructor(
    private readonly shape: CallShape<R>,
    private readonly send: (batch: RecordBatch<R>) => Promise<O[]>,
  ) {}

  async submit(records: readonly R[], meter: CallMeter): Promise<Array<Settled<O>>> {
    const placements: Array<{ answer: Promise<O[]>; index: number } | { tooLarge: true }> = [];
    for (const record of records) {
      const size = this.shape.sizeOf(record);
      if (size > this.shape.maxBytes) {
        placements.push({ tooLarge: true });
        continue;
      }
      if (!this.open || this.open.batch.isSealed || this.open.batch.records.length >= this.shape.maxRecords || this.open.bytes + size > this.shape.maxBytes) {
        this.startCall();
      }
      const open = this.open!;
      open.batch.add([record], meter);
      open.bytes += size;
      placements.push({ answer: open.answer, index: open.batch.records.length - 1 });
    }
    return Promise.all(
      placements.map(async (placement): Promise<Settled<O>> => {
        if ('tooLarge' in placement) return { ok: false, error: new MarketoTransportError('a Marketo call', 413, undefined, `one record is larger than the ${this.shape.maxBytes} bytes a call may carry`) };
        try {
          return { ok: true, value: (await placement.answer)[placement.index]! };
        } catch (error) {
          return error instanceof PartialFailure ? (error.settledAt(placement.index) as Settled<O>) : { ok: false, error };
        }
      }),
    );
  }

  private startCall(): void {
    const batch = RecordBatch.open<R>();
    // The call waits for budget before it is sealed: records submitted meanwhile join it.
    const answer = this.sendSplitting(batch);
    const open = { batch, bytes: 0, answer };
    // A call that failed before it was sent (no budget, no token) was never sealed: close it all the same.
    const close = () => {
      batch.seal();
      if (this.open === open) this.open = undefined;
    };
    answer.then(close, close);
    this.open = open;
  }

  private async sendSplitting(batch: RecordBatch<R>): Promise<O[]> {
    try {
      return await this.send(batch);
    } catch (error) {
      batch.seal(); // at once: no record may join a call that already failed
      if (classifyFailure(error) !== 'split' || batch.records.length < 2) throw error;
      const [first, second] = batch.split();
      // Each half fails or succeeds on its own.
      const halves = await Promise.allSettled([this.sendSplitting(first), this.sendSplitting(second)]);
      if (halves.every((half) => half.status === 'fulfilled')) return halves.flatMap((half) => (half as PromiseFulfilledResult<O[]>).value);
      throw new PartialFailure(halves.map((half, i) => ({ size: (i === 0 ? first : second).records.length, half })));
    }
  }
}

/** A split call of which one half failed: the records of the other half keep their outcomes. */
export class PartialFailure<O> extends Error {
  constructor(readonly halves: Array<{ size: number; half: PromiseSettledResult<O[]> }>) {
    super('part of a split call failed');
  }

  /** The outcome of record `index` of the original call. */
  settledAt(index: number): Settled<O> {
    let offset = index;
    for (const { size, half } of this.halves) {
      if (offset < size) {
        if (half.status === 'rejected') return half.reason instanceof PartialFailure ? half.reason.settledAt(offset) : { ok: false, error: half.reason };
        return { ok: true, value: half.value[offset]! };
      }
      offset -= size;
    }
    return { ok: false, error: this };
  }
}

/**
 * The shared calls of every activation, by kind: an activation's deliveries share its calls
 * (SPEC §7), and its queues go with it at teardown.
 */
export class SharedCalls {
  private readonly byScope = new Map<string, Map<string, SharedCallQueue<unknown, unknown>>>();

  queue<R, O>(scope: string, kind: string, create: () => SharedCallQueue<R, O>): SharedCallQueue<R, O> {
    let queues = this.byScope.get(scope);
    if (!queues) this.byScope.set(scope, (queues = new Map()));
    let queue = queues.get(kind);
    if (!queue) queues.set(kind, (queue = create() as SharedCallQueue<unknown, unknown>));
    return queue as SharedCallQueue<R, O>;
  }

  forget(scope: string): void {
    this.byScope.delete(scope);
  }
}
