import { fail, ok, param, type SandboxReply, type SandboxRequest } from '../http.js';
import type { SandboxStore } from '../model.js';
import type { SandboxBulkOptions, SandboxFault } from '../options.js';
import { lookupFieldProblem } from '../routes/leads.js';
import { formatRows, isFormat, parseRows, type ImportFormat } from './delimited.js';
import { importRow, type ImportTarget } from './rows.js';

type ImportStatus = 'Queued' | 'Importing' | 'Complete' | 'Failed';

interface ImportJob {
  batchId: number;
  status: ImportStatus;
  format: ImportFormat;
  target: ImportTarget;
  header: string[];
  rows: string[][];
  parseError?: string;
  /** When the job may leave the queue; when it started and will end importing. */
  readyAt: number;
  startedAt?: number;
  endsAt?: number;
  /** Rows read so far, and how they went. */
  processed: number;
  imported: number;
  failures: string[][];
  warnings: string[][];
  /** An injected failure: the job stops `Failed` after this many rows. */
  failure?: { message: string; afterRows: number };
  message: string;
}

/** Marketo's bulk import limits: 2 jobs importing, 10 in the queue including those (1016), files under 10 MB. */
const MAX_IMPORTING = 2;
const MAX_PENDING = 10;
const MAX_FILE_BYTES = 10 * 1024 * 1024;

/**
 * Bulk lead import. Jobs queue FIFO, at most two import at once, and each imports
 * `rowsPerSecond` rows a second once it has waited `queueDelayMs` in the queue, all measured on
 * the sandbox's clock: a job's progress comes from elapsed time, whoever asks and however
 * often. Rows are applied to the instance as the job reaches them, so a lookup during an import
 * sees the part already imported.
 */
export class BulkImports {
  private readonly jobs = new Map<number, ImportJob>();
  private nextId = 1;
  /** The time of the last queue event (a job starting or ending). */
  private clock: number;
  private readonly rowsPerSecond: number;
  private readonly queueDelayMs: number;

  constructor(
    private readonly store: SandboxStore,
    private readonly now: () => number,
    options: SandboxBulkOptions = {},
  ) {
    this.clock = now();
    this.rowsPerSecond = options.rowsPerSecond ?? 500;
    this.queueDelayMs = options.queueDelayMs ?? 1000;
  }

  /** POST /bulk/v1/leads.json (multipart: file, format, lookupField, listId, partitionName). */
  create(request: SandboxRequest, fault?: SandboxFault['importFailure']): SandboxReply {
    this.advance();
    const file = request.files?.get('file');
    const format = param(request, 'format');
    const lookupField = param(request, 'lookupField') ?? 'email';
    const listId = param(request, 'listId');
    const partitionName = param(request, 'partitionName') ?? 'Default';
    if (file === undefined) return fail('1002', "Missing value for the required parameter 'file'");
    // Marketo's error-code reference: 413 when the payload exceeds 10MB in the case of Import Lead.
    if (Buffer.byteLength(file) >= MAX_FILE_BYTES) return { status: 413, body: { error: 'Request Entity Too Large' } };
    if (format === undefined) return fail('1002', "Missing value for the required parameter 'format'");
    if (!isFormat(format)) return fail('1003', `Invalid format '${format}'`);
    const notLookup = lookupFieldProblem(this.store, lookupField);
    if (notLookup) return notLookup;
    const partition = this.store.partitionByName(partitionName);
    if (!partition) return fail('1003', `Invalid partition name '${partitionName}'`);
    if (listId !== undefined && !this.store.lists.has(Number(listId))) return fail('1013', 'Object not found');
    const pending = this.pending();
    if (pending.length >= MAX_PENDING) return fail('1016', 'Too many imports');
    if (listId !== undefined && pending.some((j) => j.target.listId === Number(listId))) return fail('1019', 'Import in progress');
    const job: ImportJob = {
      batchId: this.nextId++,
      status: 'Queued',
      format,
      target: { lookupField, partitionId: partition.id, ...(listId !== undefined && { listId: Number(listId) }) },
      header: [],
      rows: [],
      readyAt: this.now() + this.queueDelayMs,
      processed: 0,
      imported: 0,
      failures: [],
      warnings: [],
      ...(fault && { failure: { message: fault.message ?? 'Injected import failure', afterRows: fault.afterRows ?? 0 } }),
      message: 'Queued for processing',
    };
    try {
      [job.header = [], ...job.rows] = parseRows(file, format);
    } catch (error) {
      job.parseError = `Invalid file: ${(error as Error).message}`;
    }
    this.jobs.set(job.batchId, job);
    return ok([{ batchId: job.batchId, importId: String(job.batchId), status: job.status }]);
  }

  /** GET /bulk/v1/leads/batch/{id}.json */
  status(batchId: number): SandboxReply {
    this.advance();
    const job = this.jobs.get(batchId);
    if (!job) return fail('1003', 'Import not found');
    return ok([{
      batchId: job.batchId,
      importId: String(job.batchId),
      status: job.status,
      numOfLeadsProcessed: job.imported,
      numOfRowsFailed: job.failures.length,
      numOfRowsWithWarning: job.warnings.length,
      message: job.message,
    }]);
  }

  /** GET …/failures.json and …/warnings.json: the rows as sent, in the job's format, plus a reason column. */
  rowsFile(batchId: number, kind: 'failures' | 'warnings'): SandboxReply {
    this.advance();
    const job = this.jobs.get(batchId);
    if (!job) return fail('1003', 'Import not found');
    const reason = kind === 'failures' ? 'Import Failure Reason' : 'Import Warning Reason';
    return { body: formatRows([[...job.header, reason], ...job[kind]], job.format), contentType: 'text/csv;charset=UTF-8' };
  }

  /** Moves every job to where the clock says it is: queue events in time order, then partial progress. */
  advance(): void {
    const now = this.now();
    for (;;) {
      const importing = this.pending().filter((j) => j.status === 'Importing');
      const next = this.pending().find((j) => j.status === 'Queued');
      const ending = importing.sort((a, b) => a.endsAt! - b.endsAt!)[0];
      const startAt = next && importing.length < MAX_IMPORTING ? Math.max(next.readyAt, this.clock) : Infinity;
      if (ending && ending.endsAt! <= now && ending.endsAt! <= startAt) {
        this.clock = ending.endsAt!;
        this.end(ending);
      } else if (next && startAt <= now) {
        this.clock = startAt;
        this.start(next, startAt);
      } else {
        break;
      }
    }
    for (const job of this.pending()) if (job.status === 'Importing') this.progress(job, this.rowsDue(job, now));
  }

  private pending(): ImportJob[] {
    return [...this.jobs.values()].filter((j) => j.status === 'Queued' || j.status === 'Importing');
  }

  private start(job: ImportJob, at: number): void {
    job.status = 'Importing';
    job.message = 'Import in progress';
    job.startedAt = at;
    const rows = job.parseError ? 0 : Math.min(job.rows.length, job.failure?.afterRows ?? Infinity);
    job.endsAt = at + (Number.isFinite(this.rowsPerSecond) ? (rows * 1000) / this.rowsPerSecond : 0);
  }

  private rowsDue(job: ImportJob, at: number): number {
    if (!Number.isFinite(this.rowsPerSecond)) return job.rows.length;
    return Math.floor(((at - job.startedAt!) * this.rowsPerSecond) / 1000);
  }

  private progress(job: ImportJob, upTo: number): void {
    const limit = Math.min(upTo, job.rows.length, job.failure?.afterRows ?? Infinity);
    for (; job.processed < limit; job.processed++) {
      const row = job.rows[job.processed]!;
      const outcome = importRow(this.store, job.target, job.header, row);
      if (!outcome.imported) job.failures.push([...row, outcome.reason]);
      else {
        job.imported++;
        if (outcome.warning) job.warnings.push([...row, outcome.warning]);
      }
    }
  }

  private end(job: ImportJob): void {
    if (job.parseError || job.failure) {
      this.progress(job, job.failure?.afterRows ?? 0);
      job.status = 'Failed';
      job.message = job.parseError ?? job.failure!.message;
      return;
    }
    this.progress(job, job.rows.length);
    job.status = 'Complete';
    job.message = completionMessage(job);
  }
}

/** Marketo's completion messages, as its bulk import docs show them. */
function completionMessage(job: ImportJob): string {
  const imported = `${job.imported} records imported (${job.imported} members)`;
  const warnings = job.warnings.length === 0 ? '' : `, ${job.warnings.length} warning${job.warnings.length === 1 ? '' : 's'}.`;
  if (job.failures.length > 0) return `Import completed with errors, ${imported}, ${job.failures.length} failed${warnings}`;
  return `Import succeeded, ${imported}${warnings}`;
}
