import type { ImportSpec } from '../marketo/endpoints/bulk-import.js';
import { CsvFile } from './csv-file.js';

/** A row of an import file, and what it stands for. */
export interface ImportRow<T> {
  /** The value of the file's lookup column: how failures and warnings find their row. */
  key: string;
  owner: T;
}

export interface FileLimits {
  maxBytes: number;
  /** A bound on the rows one file holds (and so on the groups waiting for it). */
  maxRows: number;
}

/**
 * The rows waiting for the next import file of one kind — field updates by id, creates in the
 * partition, or the joins of one list — written as CSV as they come and handed to `launch` as
 * a job when the file is full (by bytes or rows) or flushed.
 */
export class ImportBatcher<T> {
  private file: CsvFile;
  private rows: Array<ImportRow<T>> = [];

  constructor(
    private readonly spec: Omit<ImportSpec, 'file'>,
    private readonly columns: string[],
    private readonly limits: FileLimits,
    private readonly launch: (spec: ImportSpec, rows: Array<ImportRow<T>>) => void,
  ) {
    this.file = new CsvFile(columns);
  }

  get size(): number {
    return this.rows.length;
  }

  add(owner: T, key: string, values: ReadonlyMap<string, unknown>): void {
    const line = this.file.lineFor(values);
    if (this.rows.length >= this.limits.maxRows || !this.file.fits(line, this.limits.maxBytes)) this.flush();
    this.file.append(line);
    this.rows.push({ key, owner });
  }

  flush(): void {
    if (this.rows.length === 0) return;
    const [file, rows] = [this.file, this.rows];
    this.file = new CsvFile(this.columns);
    this.rows = [];
    this.launch({ ...this.spec, file: file.toBuffer() }, rows);
  }
}

/** Marketo imports two jobs at once; a second file for a list being imported to answers 1019. */
const MAX_IMPORTING = 2;

/**
 * Keeps this backfill within Marketo's import queue rather than provoking it: at most two of
 * its jobs at once, and one at a time per list.
 */
export class ImportScheduler {
  private running = 0;
  private readonly lists = new Set<number>();
  private waiting: Array<() => void> = [];

  get busy(): number {
    return this.running;
  }

  async run<R>(listId: number | undefined, work: () => Promise<R>): Promise<R> {
    while (this.running >= MAX_IMPORTING || (listId !== undefined && this.lists.has(listId))) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.running++;
    if (listId !== undefined) this.lists.add(listId);
    try {
      return await work();
    } finally {
      this.running--;
      if (listId !== undefined) this.lists.delete(listId);
      for (const wake of this.waiting.splice(0)) wake();
    }
  }
}
