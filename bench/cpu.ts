/**
 * The plugin's own cost with the network stubbed in-process: intake, mapping, coalescing, the
 * lead cache, planning, the shared calls' bookkeeping and the report, for a stream of profiles
 * fed in batches as a host would. Each run is a fresh process (`cpu.ts --child <profiles>`) on
 * the compiled build; peak RSS is sampled along the way to show memory stays flat in the stream's
 * length.
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SectionContext } from './section.js';
import { median, thousands } from './measure.js';
import { BENCH_AUDIENCES, BENCH_CONFIG, BENCH_MAPPINGS, makeProfile } from './workload.js';

export interface CpuResult {
  profilesPerSecond: number;
  streamed: number;
  /** At each checkpoint: peak RSS so far, and the pace over the stretch since the previous checkpoint. */
  checkpoints: Array<{ after: number; rssMb: number; profilesPerSecond: number }>;
}

const BATCH = 1_000;
const WARMUP = 20_000;
/** The lead cache's default size. */
const CACHE_ENTRIES = 100_000;

async function measureCpu(total: number): Promise<CpuResult> {
  const { internals } = await import('./dist.js');
  const { InstantMarketo } = await import('./stub-transport.js');
  const [{ createContainer }, { loadShippedManifest }, { resolveOptions }, { Lifecycle }, { TOKENS }] = await Promise.all([
    internals.container(),
    internals.manifest(),
    internals.options(),
    internals.lifecycle(),
    internals.tokens(),
  ]);
  // The lead cache at its default (on, 100 000 entries): what a host runs unless it turns it off.
  const container = createContainer(resolveOptions({ limits: { callsPerWindow: 1e9, dailyQuota: 1e9 } }), loadShippedManifest());
  container.rebind(TOKENS.Transport).toConstantValue(new InstantMarketo());
  const plugin = container.get(Lifecycle);
  const { connectionId } = await plugin.connect({ credentials: { clientId: 'bench-client', clientSecret: 'bench-secret' }, config: BENCH_CONFIG });
  const { activationId } = await plugin.activate({ connectionId, audiences: BENCH_AUDIENCES, mappings: BENCH_MAPPINGS });
  const batch = (offset: number) =>
    Array.from({ length: BATCH }, (_, i) => {
      const n = offset + i;
      return makeProfile(n, `p${n}@bench.example.com`, { 'aud-1': 'realized', 'aud-2': n % 5 === 0 ? 'exited' : 'realized' });
    });
  const checkpoints: CpuResult['checkpoints'] = [];
  const marks = new Set([total / 10, total / 4, total / 2, (total * 3) / 4, total]);
  let peak = 0;
  let stretch = { profiles: 0, ms: 0 };
  for (let offset = 0; offset < WARMUP; offset += BATCH) await plugin.deliver({ activationId, profiles: batch(offset) });
  let timed = 0;
  let elapsed = 0;
  for (let offset = WARMUP; offset < WARMUP + total; offset += BATCH) {
    const profiles = batch(offset);
    const started = performance.now();
    await plugin.deliver({ activationId, profiles });
    const ms = performance.now() - started;
    elapsed += ms;
    timed += profiles.length;
    stretch = { profiles: stretch.profiles + profiles.length, ms: stretch.ms + ms };
    peak = Math.max(peak, process.memoryUsage().rss);
    if (marks.has(timed)) {
      checkpoints.push({ after: timed, rssMb: Math.round(peak / 1e6), profilesPerSecond: stretch.profiles / (stretch.ms / 1000) });
      stretch = { profiles: 0, ms: 0 };
    }
  }
  await plugin.teardown();
  return { profilesPerSecond: timed / (elapsed / 1000), streamed: timed, checkpoints };
}

if (process.argv[2] === '--child') {
  process.stdout.write(JSON.stringify(await measureCpu(Number(process.argv[3]))));
}

export default async function run({ quick, print }: SectionContext): Promise<void> {
  const runs = quick ? 3 : 5;
  const profiles = quick ? 50_000 : 200_000;
  print(`   ${runs} runs of ${thousands(profiles)} profiles after ${thousands(WARMUP)} of warm-up, each in a fresh process; every profile is new`);
  print('   (a lookup finds nobody; it is created and added to two lists). Lead cache at its default (on, 100 000 entries).');
  const results: CpuResult[] = [];
  for (let i = 0; i < runs; i++) {
    const output = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', String(profiles)], { encoding: 'utf8' });
    results.push(JSON.parse(output) as CpuResult);
  }
  const rates = results.map((r) => r.profilesPerSecond);
  print(`   ${thousands(median(rates))} profiles/s (median; min ${thousands(Math.min(...rates))}, max ${thousands(Math.max(...rates))})`);
  const marks = results[0]!.checkpoints.map((c) => c.after);
  const stretches = marks.map((after, i) => `${thousands(i === 0 ? 0 : marks[i - 1]!)}–${thousands(after)}: ${thousands(median(results.map((r) => r.checkpoints[i]!.profilesPerSecond)))}`);
  print(`   by stretch of the stream (median profiles/s): ${stretches.join(', ')}`);
  print(
    profiles > CACHE_ENTRIES - WARMUP
      ? `   (the cache is full, and evicts its oldest entry for each new lead, from profile ${thousands(CACHE_ENTRIES - WARMUP)} on)`
      : '   (the cache never fills in this run)',
  );
  const peaks = marks.map((after, i) => `${Math.max(...results.map((r) => r.checkpoints[i]!.rssMb))} MB after ${thousands(after)}`);
  print(`   peak RSS (highest of the runs): ${peaks.join(', ')}`);
}
