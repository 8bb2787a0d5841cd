import type { SectionContext } from './section.js';
import { createLocalState, createPlugin, startSandbox } from './dist.js';
import { countsSince, connectAndActivate, times } from './measure.js';
import { addCounts, deliveryCalls, emptyCounts, totalOf, type CallCounts } from './minimum.js';
import { makeWorkload } from './workload.js';

export interface EfficiencyResult {
  profiles: number;
  deliveries: number;
  actual: CallCounts;
  perDelivery: CallCounts;
  oneDelivery: CallCounts;
  perRecord: CallCounts;
  seconds: number;
}

/**
 * Delivers a workload to the sandbox (no limits in the way), one delivery at a time, with the
 * lead cache off, and counts the calls by operation.
 */
export async function measureApiEfficiency(count: number, perDelivery = 10_000): Promise<EfficiencyResult> {
  const workload = makeWorkload(count);
  const unlimited = { callsPerWindow: 1e9, windowMs: 20_000, maxConcurrent: 10, dailyQuota: 1e9 };
  const sandbox = await startSandbox({ seed: workload.seed, limits: unlimited });
  const plugin = createPlugin({ marketoBaseUrl: sandbox.url, limits: unlimited, leadCache: false, localState: createLocalState() });
  try {
    const activationId = await connectAndActivate(plugin, workload.audiences);
    const oneDelivery = deliveryCalls(workload.profiles, sandbox.store).minimum;
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
    return { profiles: count, deliveries, actual: countsSince(before, sandbox.stats.byOperation), perDelivery: minimum, oneDelivery, perRecord, seconds };
  } finally {
    await plugin.teardown();
    await sandbox.stop();
  }
}

const pad = (cells: Array<string | number>, widths: number[]) => cells.map((c, i) => String(c).padStart(widths[i]!)).join('  ');

export default async function run({ quick, print }: SectionContext): Promise<void> {
  print('   Lead cache off (the cold path: every delivery looks its profiles up). Deliveries go one at a time,');
  print('   so no call is shared between them. 10 % of profiles repeat an earlier email: merged within a');
  print('   delivery, looked up and written again in a later one — what "min 1 delivery" does not pay.');
  const widths = [9, 17, 7, 7, 7, 7, 7, 7, 12, 12];
  print(pad(['profiles', 'strategy', 'lookup', 'update', 'create', 'add', 'remove', 'total', 'vs min/dlv', 'vs min 1 dlv'], widths));
  for (const count of quick ? [10_000] : [10_000, 100_000]) {
    const r = await measureApiEfficiency(count);
    const row = (name: string, c: CallCounts) =>
      print(pad([count, name, c.lookup, c.update, c.create, c.listAdd, c.listRemove, totalOf(c), times(totalOf(c) / totalOf(r.perDelivery)), times(totalOf(c) / totalOf(r.oneDelivery))], widths));
    row('min per delivery', r.perDelivery);
    row('min 1 delivery', r.oneDelivery);
    row('plugin', r.actual);
    row('per-record', r.perRecord);
    print(`${''.padStart(9)}  (${r.deliveries} deliveries in ${r.seconds.toFixed(1)} s; ${(totalOf(r.actual) / count).toFixed(4)} calls per profile)`);
  }
}
