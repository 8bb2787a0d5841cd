import { parse } from 'csv-parse/sync';
import { fail, ok, param, type SandboxReply, type SandboxRequest } from '../http.js';
import { valueProblem, type SandboxStore } from '../model.js';

interface ImportJob {
  batchId: number;
  status: 'Queued' | 'Importing' | 'Complete' | 'Failed';
  csv: string;
  lookupField: string;
  listId?: number;
  partitionName?: string;
  processed: number;
  failures: string[][];
  header: string[];
  message: string;
}

const MAX_QUEUED = 10;
const MAX_FILE_BYTES = 10 * 1024 * 1024;

/**
 * Bulk lead import: a CSV with a header of REST field names, insert-or-update by a lookup
 * field, optionally into a list. Jobs move Queued → Importing → Complete one status poll at a
 * time, so a client must really poll.
 */
export class BulkImports {
  private readonly jobs = new Map<number, ImportJob>();
  private nextId = 1;

  constructor(private readonly store: SandboxStore) {}

  create(request: SandboxRequest): SandboxReply {
    const csv = request.files?.get('file');
    if (!csv) return fail('1003', 'file is required');
    if (Buffer.byteLength(csv) >= MAX_FILE_BYTES) return fail('1003', 'File too large (max 10 MB)');
    if ((param(request, 'format') ?? 'csv') !== 'csv') return fail('1003', 'Only csv is supported here');
    const pending = [...this.jobs.values()].filter((j) => j.status === 'Queued' || j.status === 'Importing').length;
    if (pending >= MAX_QUEUED) return fail('1016', 'Too many imports');
    const listId = param(request, 'listId');
    const partitionName = param(request, 'partitionName');
    const job: ImportJob = {
      batchId: this.nextId++,
      status: 'Queued',
      csv,
      lookupField: param(request, 'lookupField') ?? 'email',
      ...(listId !== undefined && { listId: Number(listId) }),
      ...(partitionName !== undefined && { partitionName }),
      processed: 0,
      failures: [],
      header: [],
      message: 'Queued for processing',
    };
    this.jobs.set(job.batchId, job);
    return ok([{ batchId: job.batchId, importId: String(job.batchId), status: job.status }]);
  }

  status(batchId: number): SandboxReply {
    const job = this.jobs.get(batchId);
    if (!job) return fail('1003', 'Import not found');
    if (job.status === 'Queued') job.status = 'Importing';
    else if (job.status === 'Importing') this.run(job);
    return ok([{
      batchId: job.batchId,
      importId: String(job.batchId),
      status: job.status,
      numOfLeadsProcessed: job.processed,
      numOfRowsFailed: job.failures.length,
      numOfRowsWithWarning: 0,
      message: job.message,
    }]);
  }

  failures(batchId: number): SandboxReply {
    const job = this.jobs.get(batchId);
    if (!job) return fail('1003', 'Import not found');
    const lines = [[...job.header, 'Import Failure Reason'], ...job.failures].map((row) => row.map(quote).join(','));
    return { body: lines.join('\n'), contentType: 'text/csv' };
  }

  warnings(batchId: number): SandboxReply {
    const job = this.jobs.get(batchId);
    if (!job) return fail('1003', 'Import not found');
    return { body: [...job.header, 'Import Warning Reason'].map(quote).join(','), contentType: 'text/csv' };
  }

  private run(job: ImportJob): void {
    let rows: string[][];
    try {
      rows = parse(job.csv, { relax_column_count: false, skip_empty_lines: true }) as string[][];
    } catch (error) {
      job.status = 'Failed';
      job.message = `Invalid CSV: ${(error as Error).message}`;
      return;
    }
    const [header = [], ...records] = rows;
    job.header = header;
    const partition = this.store.partitionByName(job.partitionName ?? 'Default');
    for (const row of records) {
      const values: Record<string, string | null> = {};
      header.forEach((name, i) => (values[name] = row[i] === '' ? null : row[i]!));
      const problem = header.map((name) => (this.store.field(name) ? valueProblem(this.store.field(name)!, values[name]) : `Field '${name}' not found`)).find(Boolean);
      const matches = this.store.findLeads(job.lookupField, values[job.lookupField]);
      if (problem || !partition || matches.length > 1) {
        job.failures.push([...row, problem ?? (partition ? 'Multiple leads match' : 'Invalid partition')]);
        continue;
      }
      const lead = matches[0] ?? this.store.createLead(partition.id, {});
      this.store.updateLead(lead, Object.fromEntries(Object.entries(values).filter(([, v]) => v !== null)));
      if (job.listId !== undefined) this.store.lists.get(job.listId)?.members.add(lead.id);
      job.processed++;
    }
    job.status = 'Complete';
    job.message = 'Import completed';
  }
}

function quote(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
