import { createPlugin } from '../src/index.js';
import { SANDBOX_CREDENTIALS, startSandbox } from '../src/sandbox/server.js';
import { BENCH_MAPPINGS, makeWorkload } from './workload.js';

export interface RateResult {
  calls: number;
  seconds: number;
  idealSeconds: number;
  callsPerSecond: number;
  ceilingPerSecond: number;
  rateLimited: number;
  concurrencyLimited: number;
  maxInFlight: number;
}

/**
 * Marketo's limits scaled down in time (100 calls per 2 s, 10 at once, 40 ms a call): how
 * close the plugin runs to the ceiling, and whether it ever provokes a 606 or 615. Deliveries
 * are fed as a host would, two in flight at a time.
 */
export async function measureRateCeiling(count = 60_000, perDelivery = 5_000, inFlight = 2): Promise<RateResult> {
  const limits = { callsPerWindow: 100, windowMs: 2_000, maxConcurrent: 10, dailyQuota: 1e9 };
  const workload = makeWorkload(count, 7);
  const sandbox = await startSandbox({ seed: workload.seed, limits, latencyMs: 40 });
  const plugin = createPlugin({ marketoBaseUrl: sandbox.url, limits });
  try {
    const { connectionId } = await plugin.connect({
      credentials: SANDBOX_CREDENTIALS,
      config: { name: 'Rate', munchkinId: '123-ABC-456', syncType: 'audience_and_profile', personAction: 'update_and_create', dedupeField: 'email' },
    });
    const { activationId } = await plugin.activate({ connectionId, audiences: workload.audiences, mappings: BENCH_MAPPINGS });
    // Let the window left by connect and activate drain, so the run starts with a full budget.
    await new Promise((resolve) => setTimeout(resolve, limits.windowMs * 1.05));
    const callsBefore = sandbox.stats.calls;
    const batches: Array<typeof workload.profiles> = [];
    for (let i = 0; i < workload.profiles.length; i += perDelivery) batches.push(workload.profiles.slice(i, i + perDelivery));
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < batches.length) await plugin.deliver({ activationId, profiles: batches[next++]! });
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const calls = sandbox.stats.calls - callsBefore;
    // With a full budget at the start, N calls need (⌈N / 100⌉ − 1) windows plus the last calls' own time.
    const idealSeconds = ((Math.ceil(calls / limits.callsPerWindow) - 1) * limits.windowMs + 40) / 1000;
    return {
      calls,
      seconds,
      idealSeconds,
      callsPerSecond: calls / seconds,
      ceilingPerSecond: limits.callsPerWindow / (limits.windowMs / 1000),
      rateLimited: sandbox.stats.rateLimited,
      concurrencyLimited: sandbox.stats.concurrencyLimited,
      maxInFlight: sandbox.stats.maxInFlight,
    };
  } finally {
    await plugin.teardown();
    await sandbox.stop();
  }
}
