import { createPlugin } from '../src/index.js';
import { SANDBOX_CREDENTIALS, startSandbox } from '../src/sandbox/server.js';
import { addCounts, deliveryCalls, emptyCounts, type CallCounts } from './minimum.js';
import { BENCH_MAPPINGS, makeWorkload } from './workload.js';

export interface EfficiencyResult {
  profiles: number;
  deliveries: number;
  actual: CallCounts;
  minimum: CallCounts;
  perRecord: CallCounts;
  seconds: number;
}

const OPERATIONS: Record<string, keyof CallCounts> = {
  'lookup leads': 'lookup',
  'sync leads updateOnly': 'update',
  'sync leads createOnly': 'create',
  'list add': 'listAdd',
  'list remove': 'listRemove',
};

/** Delivers a workload to the sandbox (no limits in the way) and counts the calls by operation. */
export async function measureApiEfficiency(count: number, perDelivery = 10_000): Promise<EfficiencyResult> {
  const workload = makeWorkload(count);
  const unlimited = { callsPerWindow: 1e9, windowMs: 20_000, maxConcurrent: 10, dailyQuota: 1e9 };
  const sandbox = await startSandbox({ seed: workload.seed, limits: unlimited });
  const plugin = createPlugin({ marketoBaseUrl: sandbox.url, limits: unlimited });
  try {
    const { connectionId } = await plugin.connect({
      credentials: SANDBOX_CREDENTIALS,
      config: { name: 'Bench', munchkinId: '123-ABC-456', syncType: 'audience_and_profile', personAction: 'update_and_create', dedupeField: 'email' },
    });
    const { activationId } = await plugin.activate({ connectionId, audiences: workload.audiences, mappings: BENCH_MAPPINGS });
    let minimum = emptyCounts();
    let perRecord = emptyCounts();
    const before = { ...sandbox.stats.byOperation };
    const started = performance.now();
    let deliveries = 0;
    for (let i = 0; i < workload.profiles.length; i += perDelivery) {
      const batch = workload.profiles.slice(i, i + perDelivery);
      const expected = deliveryCalls(batch, sandbox.store);
      minimum = addCounts(minimum, expected.minimum);
      perRecord = addCounts(perRecord, expected.perRecord);
      const report = await plugin.deliver({ activationId, profiles: batch });
      if (report.summary.retryable + report.summary.rejected > 0) throw new Error(`bench delivery failed: ${JSON.stringify(report.summary)}`);
      deliveries++;
    }
    const seconds = (performance.now() - started) / 1000;
    const actual = emptyCounts();
    for (const [operation, calls] of Object.entries(sandbox.stats.byOperation)) {
      const kind = OPERATIONS[operation];
      if (kind) actual[kind] += calls - (before[operation] ?? 0);
    }
    return { profiles: count, deliveries, actual, minimum, perRecord, seconds };
  } finally {
    await plugin.teardown();
    await sandbox.stop();
  }
}
