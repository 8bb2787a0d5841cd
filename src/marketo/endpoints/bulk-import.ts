import { parse } from 'csv-parse/sync';
import { inject, injectable } from 'inversify';
import { MarketoTransportError } from '../../errors.js';
import { MarketoClient, type CallCounter } from '../client.js';
import type { MarketoTarget } from '../target.js';

export type ImportJobStatus = 'Queued' | 'Importing' | 'Complete' | 'Failed';

export interface ImportJob {
  batchId: number;
  status: ImportJobStatus;
  numOfLeadsProcessed: number;
  numOfRowsFailed: number;
  numOfRowsWithWarning: number;
  message: string;
}

export interface ImportSpec {
  /** A CSV file with a header row of REST field names (< 10 MB). */
  file: Buffer;
  lookupField: string;
  /** Every imported row joins this static list. */
  listId?: number;
  /** Where new leads go. */
  partitionName?: string;
}

/** A row of a failures or warnings file: the row as sent, and Marketo's reason. */
export interface ImportRowReport {
  row: Record<string, string>;
  reason: string;
}

const STATUSES = new Set<ImportJobStatus>(['Queued', 'Importing', 'Complete', 'Failed']);

/** Bulk Lead Import: submit a CSV file, poll its job, read its failures and warnings files. */
@injectable()
export class BulkImportApi {
  constructor(@inject(MarketoClient) private readonly client: MarketoClient) {}

  /** Throws MarketoApiError `1016` (too many imports) or `1019` (that list is being imported to): wait, then submit again. */
  async create(target: MarketoTarget, spec: ImportSpec, meter: CallCounter): Promise<ImportJob> {
    const envelope = await this.client.call<Partial<ImportJob>>(target, {
      method: 'POST',
      path: '/bulk/v1/leads.json',
      meter,
      multipart: () => {
        const form = new FormData();
        form.append('format', 'csv');
        form.append('lookupField', spec.lookupField);
        if (spec.listId !== undefined) form.append('listId', String(spec.listId));
        if (spec.partitionName !== undefined) form.append('partitionName', spec.partitionName);
        form.append('file', new Blob([spec.file], { type: 'text/csv' }), 'leads.csv');
        return form;
      },
    });
    return readJob(envelope.result[0], 'POST /bulk/v1/leads.json');
  }

  async status(target: MarketoTarget, batchId: number, meter: CallCounter): Promise<ImportJob> {
    const path = `/bulk/v1/leads/batch/${batchId}.json`;
    const envelope = await this.client.call<Partial<ImportJob>>(target, { method: 'GET', path, meter });
    return readJob(envelope.result[0], `GET ${path}`);
  }

  failures(target: MarketoTarget, batchId: number, meter: CallCounter): Promise<ImportRowReport[]> {
    return this.rowReport(target, `/bulk/v1/leads/batch/${batchId}/failures.json`, meter);
  }

  warnings(target: MarketoTarget, batchId: number, meter: CallCounter): Promise<ImportRowReport[]> {
    return this.rowReport(target, `/bulk/v1/leads/batch/${batchId}/warnings.json`, meter);
  }

  /** The file as sent plus a last column with the reason (`Import Failure Reason`, `Import Warning Reason`). */
  private async rowReport(target: MarketoTarget, path: string, meter: CallCounter): Promise<ImportRowReport[]> {
    const text = await this.client.callBare(target, { method: 'GET', path, meter, responseType: 'text' });
    if (typeof text !== 'string') throw new MarketoTransportError(`GET ${path}`, 200, undefined, 'the answer was not a CSV file');
    const [header = [], ...rows] = parse(text.replace(/^\uFEFF/, ''), { relax_column_count: true, skip_empty_lines: true }) as string[][];
    const reasonColumn = header.length - 1;
    return rows.map((cells) => ({
      row: Object.fromEntries(header.slice(0, reasonColumn).map((name, i) => [name, cells[i] ?? ''])),
      reason: cells[reasonColumn] ?? '',
    }));
  }
}

function readJob(raw: Partial<ImportJob> | undefined, operation: string): ImportJob {
  const batchId = Number(raw?.batchId);
  if (!raw || !Number.isSafeInteger(batchId) || !STATUSES.has(raw.status as ImportJobStatus)) {
    throw new MarketoTransportError(operation, 200, undefined, 'Marketo answered without an import job');
  }
  return {
    batchId,
    status: raw.status as ImportJobStatus,
    numOfLeadsProcessed: Number(raw.numOfLeadsProcessed ?? 0),
    numOfRowsFailed: Number(raw.numOfRowsFailed ?? 0),
    numOfRowsWithWarning: Number(raw.numOfRowsWithWarning ?? 0),
    message: String(raw.message ?? ''),
  };
}
