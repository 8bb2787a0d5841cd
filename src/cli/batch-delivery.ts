import type { MarketoDestinationPlugin } from '../index.js';
import type { DeliverySummary, Logger, ProfileEvent, RecordResult } from '../types.js';

/** Reasons that say Marketo (or the plugin's shared state) could not take a record now: the record itself is fine. */
export const UNAVAILABLE_REASONS: ReadonlySet<string> = new Set(['MARKETO_UNAVAILABLE', 'QUOTA_EXHAUSTED', 'RATE_LIMITED', 'STATE_UNAVAILABLE']);

/** Problems the plugin finds in a profile before any Marketo call: they say nothing about Marketo. */
const INPUT_PROBLEMS: ReadonlySet<string> = new Set(['INVALID_PROFILE', 'MISSING_DEDUPE_VALUE']);

/**
 * Whether Marketo took none of a batch: every result that needed Marketo came back retryable for
 * unavailability. Undefined when no result needed Marketo (a batch of bad lines proves nothing).
 */
export function marketoTookNone(results: readonly RecordResult[]): boolean | undefined {
  const needingMarketo = results.filter((r) => !(r.outcome === 'rejected' && INPUT_PROBLEMS.has(r.reason?.code ?? '')));
  if (needingMarketo.length === 0) return undefined;
  return needingMarketo.every((r) => r.outcome === 'retryable' && UNAVAILABLE_REASONS.has(r.reason?.code ?? ''));
}

export interface ReplayPolicy {
  /** Lookups only: nothing is written (SPEC §8.2). */
  dryRun?: boolean;
  maxReplays: number;
  maxWaitMs: number;
  sleep: (ms: number) => Promise<void>;
  logger: Logger;
}

export interface BatchResults {
  /** One per profile, in order: each profile's last result. */
  results: RecordResult[];
  /** Set when Marketo's daily quota ran out: the wait until it resets. */
  quotaRetryAfterMs?: number;
}

/**
 * Delivers, then sends the retryable profiles again as the report advises (after `retryAfterMs`),
 * at most `maxReplays` times and never after a wait longer than `maxWaitMs`. Each delivery's
 * summary goes to `count`. A used-up daily quota ends it at once: nothing goes through before
 * the reset, hours away.
 */
export async function deliverWithReplays(
  plugin: MarketoDestinationPlugin,
  activationId: string,
  profiles: ProfileEvent[],
  policy: ReplayPolicy,
  count: (summary: DeliverySummary) => void,
): Promise<BatchResults> {
  const results: RecordResult[] = new Array(profiles.length);
  let pending = profiles.map((profile, index) => ({ profile, index }));
  for (let round = 0; pending.length > 0; round++) {
    const report = await plugin.deliver({ activationId, profiles: pending.map((p) => p.profile), ...(policy.dryRun && { dryRun: true }) });
    count(report.summary);
    const again: typeof pending = [];
    let wait = 0;
    let quotaRetryAfterMs: number | undefined;
    report.results.forEach((result, i) => {
      results[pending[i]!.index] = result;
      if (result.outcome !== 'retryable') return;
      if (result.reason?.code === 'QUOTA_EXHAUSTED') quotaRetryAfterMs = Math.max(quotaRetryAfterMs ?? 0, result.retryAfterMs ?? 0);
      again.push(pending[i]!);
      wait = Math.max(wait, result.retryAfterMs ?? 0);
    });
    if (quotaRetryAfterMs !== undefined) return { results, quotaRetryAfterMs };
    if (again.length === 0 || round >= policy.maxReplays || wait > policy.maxWaitMs) break;
    policy.logger.info('Sending retryable profiles again', { profiles: again.length, waitMs: wait, replay: round + 1, maxReplays: policy.maxReplays });
    await policy.sleep(wait);
    pending = again;
  }
  return { results };
}
