import 'reflect-metadata';
import { createContainer } from '../src/container.js';
import { loadShippedManifest } from '../src/manifest/validate.js';
import { resolveOptions } from '../src/options.js';
import { Lifecycle } from '../src/plugin.js';
import { TOKENS } from '../src/tokens.js';
import { InstantMarketo } from './stub-transport.js';
import { BENCH_AUDIENCES, BENCH_MAPPINGS, makeProfile } from './workload.js';

export interface CpuResult {
  profilesPerSecond: number;
  streamed: number;
  rssMb: Array<{ after: number; mb: number }>;
}

/**
 * The plugin's own cost with the network stubbed in-process: intake, mapping, coalescing,
 * planning, the runner's bookkeeping and the report, for a stream of profiles fed in batches
 * as a host would. Peak RSS is sampled along the way to show memory stays flat in its length.
 */
export async function measureCpu(total = 1_000_000, batchSize = 1_000): Promise<CpuResult> {
  const container = createContainer(resolveOptions({ limits: { callsPerWindow: 1e9, dailyQuota: 1e9 } }), loadShippedManifest());
  container.rebind(TOKENS.Transport).toConstantValue(new InstantMarketo());
  const plugin = container.get(Lifecycle);
  const { connectionId } = await plugin.connect({
    credentials: { clientId: 'bench-client', clientSecret: 'bench-secret' },
    config: { name: 'CPU', munchkinId: '123-ABC-456', syncType: 'audience_and_profile', personAction: 'update_and_create', dedupeField: 'email' },
  });
  const { activationId } = await plugin.activate({ connectionId, audiences: BENCH_AUDIENCES, mappings: BENCH_MAPPINGS });
  const batch = (offset: number) =>
    Array.from({ length: batchSize }, (_, i) => {
      const n = offset + i;
      return makeProfile(n, `p${n}@bench.example.com`, { 'aud-1': 'realized', 'aud-2': n % 5 === 0 ? 'exited' : 'realized' });
    });
  const rssMb: CpuResult['rssMb'] = [];
  let peak = 0;
  const warmup = 20_000;
  for (let offset = 0; offset < warmup; offset += batchSize) await plugin.deliver({ activationId, profiles: batch(offset) });
  let timed = 0;
  let elapsed = 0;
  for (let offset = warmup; offset < warmup + total; offset += batchSize) {
    const profiles = batch(offset);
    const started = performance.now();
    await plugin.deliver({ activationId, profiles });
    elapsed += performance.now() - started;
    timed += profiles.length;
    peak = Math.max(peak, process.memoryUsage().rss);
    if ([100_000, 250_000, 500_000, 750_000, 1_000_000].includes(timed) || timed === total) rssMb.push({ after: timed, mb: Math.round(peak / 1e6) });
  }
  await plugin.teardown();
  return { profilesPerSecond: timed / (elapsed / 1000), streamed: timed, rssMb };
}

// Run in its own process by bench/run.ts, so its peak RSS is the plugin's alone.
if (process.argv[2] === '--child') {
  process.stdout.write(JSON.stringify(await measureCpu(Number(process.argv[3] ?? 1_000_000))));
}
