import { AuthenticationError, MarketoApiError, MarketoTransportError, PermissionError, StateUnavailableError } from '../errors.js';
import { classifyFailure, RETRYABLE_RECORD_CODES } from '../marketo/classify.js';
import type { MarketoError } from '../marketo/envelope.js';
import type { ResolvedOptions } from '../options.js';
import { resumeAfterQuotaExhausted } from '../support/quota-clock.js';
import type { RecordReason } from '../types.js';

/** Why a record did not get delivered, and whether sending it again can help. */
export interface Failure {
  outcome: 'rejected' | 'retryable';
  reason: RecordReason;
  retryAfterMs?: number;
}

/** Record-level queue codes: Marketo advises waiting minutes. */
const RECORD_QUEUE_WAIT_MS = 5 * 60_000;
/** Redis down: worth trying again soon; reconnection runs in the background. */
const STATE_RETRY_MS = 5_000;

/** The failure of every record of a call that failed as a whole. */
export function failureFromError(error: unknown, now: number, options: ResolvedOptions): Failure {
  if (error instanceof PermissionError) {
    return { outcome: 'rejected', reason: { code: 'PERMISSION_DENIED', message: error.message, marketoCode: '603' } };
  }
  if (error instanceof StateUnavailableError) {
    return { outcome: 'retryable', reason: { code: 'STATE_UNAVAILABLE', message: error.message }, retryAfterMs: STATE_RETRY_MS };
  }
  if (error instanceof AuthenticationError) {
    return { outcome: 'retryable', reason: { code: 'PERMISSION_DENIED', message: error.message }, retryAfterMs: options.retry.maxDelayMs };
  }
  const kind = classifyFailure(error);
  const marketoCode = error instanceof MarketoApiError ? error.marketoCode : undefined;
  const message = error instanceof Error ? error.message : 'Marketo call failed';
  const requestId = error instanceof MarketoApiError ? error.requestId : undefined;
  const withCode = { ...(marketoCode && { marketoCode }), ...(requestId && { requestId }) };
  // A record too large for any call (HTTP 413 down to a single record): sending it again cannot help.
  if (error instanceof MarketoTransportError && error.httpStatus === 413) {
    return { outcome: 'rejected', reason: { code: 'MARKETO_REJECTED', message, marketoCode: '413' } };
  }
  switch (kind) {
    case 'quota':
      return {
        outcome: 'retryable',
        reason: { code: 'QUOTA_EXHAUSTED', message: `${message}. The daily quota resets at midnight US Central time.`, ...withCode },
        retryAfterMs: resumeAfterQuotaExhausted(now) - now,
      };
    case 'throttled':
      return { outcome: 'retryable', reason: { code: 'RATE_LIMITED', message, ...withCode }, retryAfterMs: options.limits.windowMs };
    case 'retry':
    case 'split':
    case 'refreshToken':
      return { outcome: 'retryable', reason: { code: 'MARKETO_UNAVAILABLE', message, ...withCode }, retryAfterMs: options.retry.maxDelayMs };
    default:
      if (error instanceof MarketoApiError) return { outcome: 'rejected', reason: { code: 'MARKETO_REJECTED', message, ...withCode } };
      // Unknown failures (a bug, a malformed answer) must not lose the record: send it again.
      return {
        outcome: 'retryable',
        reason: { code: 'MARKETO_UNAVAILABLE', message: error instanceof MarketoTransportError ? message : `Unexpected failure: ${message}` },
        retryAfterMs: options.retry.maxDelayMs,
      };
  }
}

/** The failure of one record that Marketo skipped, from its record-level reason. */
export function failureFromRecord(reason: MarketoError | undefined, retryOnReplay: ReadonlySet<string> = new Set(), requestId?: string): Failure {
  const code = reason?.code ?? 'unknown';
  const message = `Marketo skipped the record: ${code} ${reason?.message ?? 'no reason given'}`;
  const id = requestId ? { requestId } : {};
  if (RETRYABLE_RECORD_CODES.has(code) || retryOnReplay.has(code)) {
    return { outcome: 'retryable', reason: { code: 'MARKETO_UNAVAILABLE', message, marketoCode: code, ...id }, retryAfterMs: RECORD_QUEUE_WAIT_MS };
  }
  return { outcome: 'rejected', reason: { code: 'MARKETO_REJECTED', message, marketoCode: code, ...id } };
}
