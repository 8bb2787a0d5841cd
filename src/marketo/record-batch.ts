import type { CallCounter, CallMeter } from './client.js';

/**
 * The records of one Marketo call. A batch stays open while its call waits for budget, so that
 * records of other deliveries can join it; it is sealed when the call is about to be sent,
 * and the request body is built from it then. A batch made with `RecordBatch.of` is sealed
 * from the start. Every delivery with records in the call has its meter counted.
 */
export class RecordBatch<R> {
  private sealed = false;
  private readonly meters = new Set<CallMeter>();

  private constructor(readonly records: R[]) {}

  static of<R>(records: R[], meter?: CallMeter): RecordBatch<R> {
    const batch = new RecordBatch<R>([...records]);
    if (meter) batch.meters.add(meter);
    batch.seal();
    return batch;
  }

  static open<R>(): RecordBatch<R> {
    return new RecordBatch<R>([]);
  }

  get isSealed(): boolean {
    return this.sealed;
  }

  /** Adds records of one delivery; only while open. */
  add(records: R[], meter: CallMeter): void {
    if (this.sealed) throw new Error('a sealed batch takes no more records');
    this.records.push(...records);
    this.meters.add(meter);
  }

  seal(): void {
    this.sealed = true;
  }

  /** Two sealed halves, counted in the same deliveries (a 604 or 413 sends the records again in halves). */
  split(): [RecordBatch<R>, RecordBatch<R>] {
    const middle = Math.ceil(this.records.length / 2);
    return [this.records.slice(0, middle), this.records.slice(middle)].map((records) => {
      const half = new RecordBatch<R>(records);
      for (const meter of this.meters) half.meters.add(meter);
      half.seal();
      return half;
    }) as [RecordBatch<R>, RecordBatch<R>];
  }

  /** The meter of the call: one Marketo call counts once in every delivery it carried records of. */
  get counter(): CallCounter {
    return { record: () => this.meters.forEach((meter) => meter.record()) };
  }
}
