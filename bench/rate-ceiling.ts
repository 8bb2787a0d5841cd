import type { SectionContext } from './section.js';
import { createLocalState, createPlugin, startSandbox } from './dist.js';
import { CallLog, ceilingOf, connectAndActivate, percent, sleep, utilisation } from './measure.js';
import { deliveriesOf, makeWorkload } from './workload.js';

export interface RateResult {
  calls: number;
  seconds: number;
  idealSeconds: number;
  callsPerSecond: number;
  ceiling: ReturnType<typeof ceilingOf>;
  utilisation: number;
  rateLimited: number;
  concurrencyLimited: number;
  maxInFlight: number;
}

const LIMITS = { callsPerWindow: 100, windowMs: 2_000, maxConcurrent: 10, dailyQuota: 1e9 };

/**
 * Marketo's limits scaled down in time (100 calls per 2 s, 10 at once) at a given call latency:
 * how close the plugin runs to the ceiling, and whether it ever provokes a 606 or 615.
 * Deliveries are fed as a host would, two in flight at a time; the lead cache at its default.
 */
export async function measureRateCeiling(count: number, latencyMs: number, perDelivery = 5_000, inFlight = 2): Promise<RateResult> {
  const workload = makeWorkload(count, 7);
  const log = new CallLog();
  const sandbox = await startSandbox({ seed: workload.seed, limits: LIMITS, onCall: log.onCall });
  const plugin = createPlugin({ marketoBaseUrl: sandbox.url, limits: LIMITS, localState: createLocalState() });
  try {
    const activationId = await connectAndActivate(plugin, workload.audiences);
    // Let the window left by connect and activate drain, so the run starts with a full budget.
    await sleep(LIMITS.windowMs * 1.05);
    // From now on every call takes `latencyMs` (the sandbox's delay: the same wait as its
    // `latencyMs` option), sparing connect and activate 20 s at 2 s a call.
    sandbox.inject({ delayMs: latencyMs, times: Number.POSITIVE_INFINITY });
    const callsBefore = sandbox.stats.calls;
    const batches = deliveriesOf(workload.profiles, perDelivery);
    const started = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < batches.length) await plugin.deliver({ activationId, profiles: batches[next++]! });
      }),
    );
    const end = Date.now();
    const calls = sandbox.stats.calls - callsBefore;
    const ceiling = ceilingOf(LIMITS, latencyMs);
    // From a full budget: N calls need (⌈N / 100⌉ − 1) windows plus the last calls' own time, and
    // at least ⌈N / 10⌉ latencies back to back.
    const windowBound = (Math.ceil(calls / LIMITS.callsPerWindow) - 1) * LIMITS.windowMs + latencyMs;
    const concurrencyBound = Math.ceil(calls / LIMITS.maxConcurrent) * latencyMs;
    return {
      calls,
      seconds: (end - started) / 1000,
      idealSeconds: Math.max(windowBound, concurrencyBound) / 1000,
      callsPerSecond: calls / ((end - started) / 1000),
      ceiling,
      utilisation: utilisation(calls, log.since(started)[0] ?? started, end, ceiling.perSecond),
      rateLimited: sandbox.stats.rateLimited,
      concurrencyLimited: sandbox.stats.concurrencyLimited,
      maxInFlight: sandbox.stats.maxInFlight,
    };
  } finally {
    await plugin.teardown();
    await sandbox.stop();
  }
}

export default async function run({ quick, print }: SectionContext): Promise<void> {
  print('   Deliveries of 5 000 profiles, two in flight; lead cache at its default. Ceiling: the window (50 calls/s)');
  print('   or, when slower, every concurrency slot busy (10 ÷ latency). Utilisation: calls ÷ what the ceiling');
  print('   allows from the first call to the last answer.');
  const setups = [
    { label: '40 ms a call', latencyMs: 40, count: quick ? 20_000 : 60_000 },
    { label: '2 s a call', latencyMs: 2_000, count: quick ? 10_000 : 20_000 },
  ];
  for (const { label, latencyMs, count } of setups) {
    const r = await measureRateCeiling(count, latencyMs);
    const bound = r.ceiling.bound === 'window' ? 'the window' : `concurrency: 10 ÷ ${latencyMs / 1000} s`;
    print(`   ${label.padEnd(13)}${count.toLocaleString('en-US')} profiles: ${r.calls} calls in ${r.seconds.toFixed(2)} s, ${r.callsPerSecond.toFixed(1)} calls/s`);
    print(`   ${''.padEnd(13)}utilisation ${percent(r.utilisation)} of the ${r.ceiling.perSecond} calls/s ceiling (${bound}); fastest the limits allow ${r.idealSeconds.toFixed(2)} s`);
    print(`   ${''.padEnd(13)}606 answers ${r.rateLimited}, 615 answers ${r.concurrencyLimited}; peak concurrency ${r.maxInFlight}`);
  }
}
