/**
 * The plugin side of the backfill benchmark, in a process of its own so that its peak RSS is
 * the plugin's alone (the sandbox, with its million leads, runs in the parent). Prints one
 * JSON line: the summary, the imports and the peak RSS.
 */
import { createPlugin, SANDBOX_CREDENTIALS } from './dist.js';
import { backfillProfiles, FIRST_LOAD_AUDIENCE } from './backfill-workload.js';
import { BENCH_MAPPINGS } from './workload.js';

const [sandboxUrl = '', countText = '0', pollText = '50'] = process.argv.slice(2);
const unlimited = { callsPerWindow: 1e9, windowMs: 20_000, maxConcurrent: 10, dailyQuota: 1e9 };
const plugin = createPlugin({ marketoBaseUrl: sandboxUrl, limits: unlimited, bulk: { pollIntervalMs: Number(pollText) } });
const { connectionId } = await plugin.connect({
  credentials: SANDBOX_CREDENTIALS,
  config: { name: 'Bench', munchkinId: '123-ABC-456', syncType: 'audience_and_profile', personAction: 'update_and_create', dedupeField: 'email' },
});
const { activationId } = await plugin.activate({ connectionId, audiences: [FIRST_LOAD_AUDIENCE], mappings: BENCH_MAPPINGS });

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
const started = performance.now();
const outcomes = { delivered: 0, skipped: 0, rejected: 0, retryable: 0 };
const report = await plugin.backfill({ activationId, profiles: backfillProfiles(Number(countText)), onResult: (r) => outcomes[r.outcome]++ });
const seconds = (performance.now() - started) / 1000;
clearInterval(sampler);
await plugin.teardown();
process.stdout.write(
  `${JSON.stringify({
    summary: report.summary,
    outcomes,
    imports: report.imports.length,
    importedRows: report.imports.reduce((n, i) => n + i.rows, 0),
    peakRssMb: Math.round(peakRss / 1024 / 1024),
    seconds,
  })}\n`,
);
