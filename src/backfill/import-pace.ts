import type { Clock } from '../tokens.js';

/** A first look a little before the predicted end: finding a job still running costs one more poll, finding it late costs time. */
const EARLY = 0.8;
/** However long the prediction, a job is first looked at within this many intervals of its submission. */
const MAX_FIRST_WAIT_INTERVALS = 6;

/**
 * When to look at an import job first. Marketo publishes no import speed, and every status
 * poll spends a call of the day's quota; polling every `pollIntervalMs` from the start made a
 * million-profile backfill spend some 300 polls on 104 jobs. A backfill's jobs are alike, so
 * the time its fastest finished job of the same kind (the same columns: a file of fields, a
 * file that only joins a list) took per row, from submission to the end, queue included,
 * predicts the next one: its first poll waits for most of that — at most six intervals — and
 * later polls come every `pollIntervalMs`. The fastest, not the average: one job held up in
 * Marketo's queue must not make every later one be found late. The first job, with nothing to
 * go by, is polled at the interval.
 */
export class ImportPace {
  /** Milliseconds per row of this run's fastest finished job, by kind of file. */
  private readonly msPerRow = new Map<string, number>();

  constructor(private readonly now: Clock) {}

  /** The wait before the first poll of a job of `rows` rows of this `kind`, just submitted. */
  firstWaitMs(kind: string, rows: number, pollIntervalMs: number): number {
    const msPerRow = this.msPerRow.get(kind);
    if (msPerRow === undefined) return pollIntervalMs;
    const predicted = Math.round(EARLY * rows * msPerRow);
    return Math.min(MAX_FIRST_WAIT_INTERVALS * pollIntervalMs, Math.max(pollIntervalMs, predicted));
  }

  /** Learns from a job of this `kind`, submitted at `submittedAt`, that ended now. */
  finished(kind: string, submittedAt: number, rows: number): void {
    if (rows <= 0) return;
    const observed = Math.max(0, this.now() - submittedAt) / rows;
    this.msPerRow.set(kind, Math.min(this.msPerRow.get(kind) ?? Infinity, observed));
  }

  submittedAt(): number {
    return this.now();
  }
}
