import type { Clock } from '../tokens.js';

/** A first look a little before the predicted end: finding a job still running costs one more poll, finding it late costs time. */
const EARLY = 0.8;

/**
 * When to look at an import job first. Marketo publishes no import speed, and every status
 * poll spends a call of the day's quota; polling every `pollIntervalMs` from the start made a
 * million-profile backfill spend some 300 polls on 104 jobs. A backfill's jobs are alike, so
 * the time its finished jobs took per row (from submission to the end, queue included)
 * predicts the next one: its first poll waits for most of that, later polls come every
 * `pollIntervalMs`. The first job, with nothing to go by, is polled at the interval.
 */
export class ImportPace {
  /** Smoothed milliseconds per row of this run's finished jobs. */
  private msPerRow: number | undefined;

  constructor(private readonly now: Clock) {}

  /** The wait before the first poll of a job of `rows` rows just submitted. */
  firstWaitMs(rows: number, pollIntervalMs: number): number {
    if (this.msPerRow === undefined) return pollIntervalMs;
    return Math.max(pollIntervalMs, Math.round(EARLY * rows * this.msPerRow));
  }

  /** Learns from a job submitted at `submittedAt` that ended now. */
  finished(submittedAt: number, rows: number): void {
    if (rows <= 0) return;
    const observed = Math.max(0, this.now() - submittedAt) / rows;
    this.msPerRow = this.msPerRow === undefined ? observed : (this.msPerRow + observed) / 2;
  }

  submittedAt(): number {
    return this.now();
  }
}
