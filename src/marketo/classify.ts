import { MarketoApiError, MarketoTransportError } from '../errors.js';

/**
 * What to do after a failed Marketo call — one table, following Marketo's error-code reference.
 * - `retry`: transient; back off and try again within the attempt budget.
 * - `throttled`: the instance's rate or concurrency limit (606/615); back off and slow down.
 * - `refreshToken`: the access token is invalid or expired (601/602); fetch a new one, once.
 * - `split`: Marketo timed out on the batch (604) or refused its size (HTTP 413); send it in smaller pieces.
 * - `quota`: the daily quota is used up (607); nothing works until it resets.
 * - `permission`: access denied (603).
 * - `fail`: permanent; retrying cannot help.
 */
export type FailureKind = 'retry' | 'throttled' | 'refreshToken' | 'split' | 'quota' | 'permission' | 'fail';

const REQUEST_LEVEL: Record<string, FailureKind> = {
  '502': 'retry',
  '604': 'split',
  '606': 'throttled',
  '607': 'quota',
  '608': 'retry',
  '611': 'retry',
  '614': 'retry',
  '615': 'throttled',
  '713': 'retry',
  '719': 'retry',
  '601': 'refreshToken',
  '602': 'refreshToken',
  '603': 'permission',
};

/** Record-level codes that mean "Marketo is busy with this data; try the record later". */
export const RETRYABLE_RECORD_CODES = new Set(['1016', '1019', '1029']);

export function classifyFailure(error: unknown): FailureKind {
  if (error instanceof MarketoApiError) return REQUEST_LEVEL[error.marketoCode] ?? 'fail';
  if (error instanceof MarketoTransportError) {
    // No status: connection reset or timeout. 5xx: Marketo or a proxy in trouble. Both pass.
    if (error.httpStatus === undefined || error.httpStatus >= 500) return 'retry';
    if (error.httpStatus === 429) return 'throttled';
    if (error.httpStatus === 413) return 'split';
    return 'fail';
  }
  return 'fail';
}

/** Answers Marketo does not count against the rate window or the daily quota (recorded responses). */
const NOT_COUNTED = new Set(['601', '602', '604', '605', '608', '611']);

/** Whether a failed call still counts in Marketo's window and daily quota. */
export function countedByMarketo(error: unknown): boolean {
  if (error instanceof MarketoApiError) return !error.local && !NOT_COUNTED.has(error.marketoCode);
  return true;
}
