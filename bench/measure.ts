import type { MarketoDestinationPlugin } from '../src/index.js';
import type { SandboxLimits } from '../src/sandbox/options.js';
import type { DeliverySummary, ProfileEvent } from '../src/types.js';
import { emptyCounts, type CallCounts } from './minimum.js';
import { SANDBOX_CREDENTIALS } from './dist.js';
import { BENCH_CONFIG, BENCH_MAPPINGS } from './workload.js';

/** The sandbox's names of the calls a delivery makes (its `stats.byOperation`). */
const OPERATIONS: Record<string, keyof CallCounts> = {
  'lookup leads': 'lookup',
  'sync leads updateOnly': 'update',
  'sync leads createOnly': 'create',
  'list add': 'listAdd',
  'list remove': 'listRemove',
};

/** The delivery calls the sandbox admitted since `before` (a copy of `stats.byOperation`), by kind. */
export function countsSince(before: Record<string, number>, now: Record<string, number>): CallCounts {
  const counts = emptyCounts();
  for (const [operation, calls] of Object.entries(now)) {
    const kind = OPERATIONS[operation];
    if (kind) counts[kind] += calls - (before[operation] ?? 0);
  }
  return counts;
}

/** Every call the sandbox admitted, with its arrival time (its `onCall`). */
export class CallLog {
  readonly arrivals: number[] = [];
  readonly onCall = ({ at }: { at: number }) => void this.arrivals.push(at);

  since(from: number): number[] {
    return this.arrivals.filter((at) => at >= from);
  }
}

/**
 * The most calls per second the instance's limits allow: the window's rate, or fewer when every
 * concurrency slot is taken for a whole call latency (`maxConcurrent / latency`).
 */
export function ceilingOf(limits: SandboxLimits, latencyMs: number): { perSecond: number; bound: 'window' | 'concurrency' } {
  const window = (limits.callsPerWindow / limits.windowMs) * 1000;
  const concurrency = latencyMs > 0 ? (limits.maxConcurrent / latencyMs) * 1000 : Number.POSITIVE_INFINITY;
  return concurrency < window ? { perSecond: concurrency, bound: 'concurrency' } : { perSecond: window, bound: 'window' };
}

/**
 * Utilisation of the ceiling: the calls made ÷ the calls the ceiling allows over the same time,
 * from the first call's arrival to the end of the run (the last answer). A run paced exactly at
 * the ceiling scores 100 %.
 */
export function utilisation(calls: number, firstArrival: number, end: number, ceilingPerSecond: number): number {
  return calls / (((end - firstArrival) / 1000) * ceilingPerSecond);
}

/** The most arrivals in any `windowMs` (the sandbox's sliding window). */
export function maxInWindow(arrivals: readonly number[], windowMs: number): number {
  const sorted = [...arrivals].sort((a, b) => a - b);
  let best = 0;
  for (let start = 0, end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

/** Nearest-rank percentile. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const median = (values: readonly number[]) => percentile(values, 50);

export const seconds = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);
export const percent = (x: number) => `${(x * 100).toFixed(1)} %`;
export const times = (x: number) => `${x < 10 ? x.toFixed(3) : x.toFixed(1)}×`;
export const thousands = (n: number) => Math.round(n).toLocaleString('en-US');

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Connects to the sandbox and activates the bench audiences: what a host does before streaming. */
export async function connectAndActivate(plugin: MarketoDestinationPlugin, audiences: Array<{ id: string; name: string }>): Promise<string> {
  const { connectionId } = await plugin.connect({ credentials: SANDBOX_CREDENTIALS, config: BENCH_CONFIG });
  const { activationId } = await plugin.activate({ connectionId, audiences, mappings: BENCH_MAPPINGS });
  return activationId;
}

export interface StreamRun {
  /** Wall time of each `deliver`, in milliseconds. */
  durations: number[];
  summary: Pick<DeliverySummary, 'delivered' | 'skipped' | 'rejected' | 'retryable' | 'unchanged' | 'updated' | 'created' | 'addedToList' | 'removedFromList'>;
  end: number;
}

/**
 * Streams deliveries as a host's request handlers would: `loops` async loops, each taking the
 * next delivery of the stream and waiting for its report, on the plugins given (loop i uses
 * plugin i mod n).
 */
export async function stream(targets: Array<{ plugin: MarketoDestinationPlugin; activationId: string }>, deliveries: ProfileEvent[][], loops: number): Promise<StreamRun> {
  const durations: number[] = [];
  const summary = { delivered: 0, skipped: 0, rejected: 0, retryable: 0, unchanged: 0, updated: 0, created: 0, addedToList: 0, removedFromList: 0 };
  let next = 0;
  await Promise.all(
    Array.from({ length: loops }, async (_, loop) => {
      const { plugin, activationId } = targets[loop % targets.length]!;
      while (next < deliveries.length) {
        const profiles = deliveries[next++]!;
        const started = performance.now();
        const report = await plugin.deliver({ activationId, profiles });
        durations.push(performance.now() - started);
        for (const key of Object.keys(summary) as Array<keyof typeof summary>) summary[key] += report.summary[key];
      }
    }),
  );
  return { durations, summary, end: Date.now() };
}

/** Records that did not make it (a delivery failing is a finding, never hidden). */
export function failures(summary: StreamRun['summary']): string {
  return summary.rejected + summary.retryable === 0 ? '' : ` — ${summary.rejected} rejected, ${summary.retryable} retryable!`;
}
