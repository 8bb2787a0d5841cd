import { MarketoApiError } from '../errors.js';
import type { CallCounter } from '../marketo/client.js';
import { BulkImportApi, type ImportJob, type ImportSpec } from '../marketo/endpoints/bulk-import.js';
import type { MarketoTarget } from '../marketo/target.js';
import type { Sleep } from '../tokens.js';
import type { ImportPace } from './import-pace.js';

/** Marketo's queue answers: too many imports (1016), that list is being imported to (1019). */
const QUEUE_BUSY = new Set(['1016', '1019']);
/** How long a file may wait for Marketo's queue before its rows go back to the host. */
const MAX_QUEUE_WAIT_POLLS = 120;
/** Status polls that may fail in a row before the job is given up (it may still run in Marketo). */
const MAX_FAILED_POLLS = 5;

/** How an import ended, and what Marketo said of its rows, by the value of the file's key column. */
export interface ImportOutcome {
  job: ImportJob;
  failures: Map<string, string>;
  warnings: Map<string, string>;
}

/**
 * Runs one bulk import to its end: submits the file (waiting out a full queue or a list being
 * imported to, never provoking them again at once), polls its status on the injected clock —
 * first when the run's pace predicts its end, then every `pollIntervalMs` — and reads the
 * failures and warnings files when the job reports any.
 */
export class ImportRunner {
  constructor(
    private readonly api: BulkImportApi,
    private readonly target: MarketoTarget,
    private readonly meter: CallCounter,
    private readonly sleep: Sleep,
    private readonly pollIntervalMs: number,
    private readonly pace: ImportPace,
  ) {}

  /** `rows`: the file's rows, by which the run's pace predicts when the job ends. */
  async run(spec: ImportSpec, keyColumn: string, rows: number, onStatus: (job: ImportJob) => void = () => {}): Promise<ImportOutcome> {
    let job = await this.submit(spec);
    const submittedAt = this.pace.submittedAt();
    // Files with the same columns import alike: the kind the pace learns and predicts by.
    const kind = `${spec.lookupField}:${spec.file.subarray(0, Math.max(0, spec.file.indexOf(10))).toString()}`;
    onStatus(job);
    let failedPolls = 0;
    for (let poll = 0; job.status === 'Queued' || job.status === 'Importing'; poll++) {
      await this.sleep(poll === 0 ? this.pace.firstWaitMs(kind, rows, this.pollIntervalMs) : this.pollIntervalMs);
      try {
        job = await this.api.status(this.target, job.batchId, this.meter);
        failedPolls = 0;
        onStatus(job);
      } catch (error) {
        if (++failedPolls >= MAX_FAILED_POLLS) throw error;
      }
    }
    if (job.status === 'Complete') this.pace.finished(kind, submittedAt, rows);
    const [failures, warnings] = await Promise.all([
      job.numOfRowsFailed > 0 ? this.api.failures(this.target, job.batchId, this.meter) : [],
      job.numOfRowsWithWarning > 0 ? this.api.warnings(this.target, job.batchId, this.meter) : [],
    ]);
    const byKey = (rows: Array<{ row: Record<string, string>; reason: string }>) => new Map(rows.map(({ row, reason }) => [row[keyColumn] ?? '', reason]));
    return { job, failures: byKey(failures), warnings: byKey(warnings) };
  }

  private async submit(spec: ImportSpec): Promise<ImportJob> {
    for (let poll = 1; ; poll++) {
      try {
        return await this.api.create(this.target, spec, this.meter);
      } catch (error) {
        if (!(error instanceof MarketoApiError && QUEUE_BUSY.has(error.marketoCode)) || poll >= MAX_QUEUE_WAIT_POLLS) throw error;
        await this.sleep(this.pollIntervalMs);
      }
    }
  }
}
