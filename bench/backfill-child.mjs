/**
 * The plugin side of the backfill benchmark, run as a host runs it: plain Node on the compiled
 * build, with no TypeScript loader in the process, so that its peak RSS is the runtime's and
 * the plugin's alone (the sandbox, with its million leads, runs in the parent). Profiles come
 * as NDJSON on stdin, pulled as the backfill asks for them; one JSON line goes out at the end.
 *
 * Plain JavaScript on purpose: Node 20 cannot run TypeScript without a loader, and a loader
 * would weigh some 40 MB of the figure measured.
 */
const [distIndex, sandboxUrl, setupJson] = process.argv.slice(2);
const { createPlugin } = await import(distIndex);
const { credentials, config, audience, mappings, pollIntervalMs } = JSON.parse(setupJson);

const unlimited = { callsPerWindow: 1e9, windowMs: 20_000, maxConcurrent: 10, dailyQuota: 1e9 };
const plugin = createPlugin({ marketoBaseUrl: sandboxUrl, limits: unlimited, bulk: { pollIntervalMs } });
const { connectionId } = await plugin.connect({ credentials, config });
const { activationId } = await plugin.activate({ connectionId, audiences: [audience], mappings });

/** One profile per line of stdin; reading pauses while the backfill is busy (backpressure). */
async function* profilesFromStdin() {
  let rest = '';
  for await (const chunk of process.stdin) {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop();
    for (const line of lines) if (line) yield JSON.parse(line);
  }
  if (rest) yield JSON.parse(rest);
}

process.stdin.setEncoding('utf8');
const rssBeforeMb = Math.round(process.memoryUsage().rss / 1048576);
const started = performance.now();
const outcomes = { delivered: 0, skipped: 0, rejected: 0, retryable: 0 };
const report = await plugin.backfill({ activationId, profiles: profilesFromStdin(), onResult: (r) => outcomes[r.outcome]++ });
const seconds = (performance.now() - started) / 1000;
await plugin.teardown();
process.stdout.write(
  `${JSON.stringify({
    summary: report.summary,
    outcomes,
    imports: report.imports.length,
    importedRows: report.imports.reduce((n, i) => n + i.rows, 0),
    rssBeforeMb,
    // The kernel's high-water mark of the process: the true peak, not a sample.
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    seconds,
  })}\n`,
);
