import { MarketoApiError, MarketoTransportError } from '../errors.js';

export interface MarketoError {
  code: string;
  message: string;
}

/** A record-level result: `status` and `reasons` exactly as Marketo sent them. */
export interface RecordStatus {
  id?: number;
  status?: string;
  reasons?: MarketoError[];
  [field: string]: unknown;
}

/** Marketo's response envelope, with `success: false` already turned into an error. */
export interface Envelope<T> {
  requestId?: string;
  result: T[];
  warnings: unknown[];
  moreResult: boolean;
  nextPageToken?: string;
}

/**
 * Reads Marketo's envelope. Marketo answers almost everything with HTTP 200, so `success:
 * false` is the real failure signal: it becomes a MarketoApiError with Marketo's code and
 * message. Per-record statuses are left untouched for the caller to read one by one.
 */
export function decodeEnvelope<T>(data: unknown, operation: string): Envelope<T> {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new MarketoTransportError(operation, 200, undefined, 'Marketo answered with something that is not a JSON envelope');
  }
  const body = data as Record<string, unknown>;
  if (body.success === false) {
    const first = Array.isArray(body.errors) ? (body.errors[0] as Partial<MarketoError> | undefined) : undefined;
    const requestId = typeof body.requestId === 'string' ? body.requestId : undefined;
    throw new MarketoApiError(String(first?.code ?? 'unknown'), String(first?.message ?? 'no message'), operation, false, requestId);
  }
  if (body.success !== true) {
    throw new MarketoTransportError(operation, 200, undefined, 'Marketo answered without a success flag');
  }
  if (body.result !== undefined && !Array.isArray(body.result)) {
    throw new MarketoTransportError(operation, 200, undefined, 'Marketo answered with a result that is not a list');
  }
  return {
    ...(typeof body.requestId === 'string' && { requestId: body.requestId }),
    result: (body.result ?? []) as T[],
    warnings: Array.isArray(body.warnings) ? body.warnings : [],
    moreResult: body.moreResult === true,
    ...(typeof body.nextPageToken === 'string' && { nextPageToken: body.nextPageToken }),
  };
}

/** The first record-level reason of a skipped record, as Marketo gave it. */
export function firstReason(record: RecordStatus): MarketoError | undefined {
  const reason = record.reasons?.[0];
  return reason ? { code: String(reason.code), message: String(reason.message ?? '') } : undefined;
}
