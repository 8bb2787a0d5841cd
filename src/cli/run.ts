import { createReadStream, createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createPlugin } from '../index.js';
import type { AudienceSpec, DeliveryReport, Mapping, PluginOptions, ProfileEvent, RecordResult } from '../types.js';
import { summaryLine } from './demo.js';
import { credentialsFromEnv, readJsonFile, UsageError, type Output } from './io.js';

export const RUN_HELP = `Usage: marketo-destination run --config settings.json --mappings mappings.json
                               --audiences audiences.json --profiles profiles.ndjson [options]

Streams profile events (one JSON object per line) through connect → activate → deliver.
Credentials come from MARKETO_CLIENT_ID and MARKETO_CLIENT_SECRET.

Options:
  --report file.jsonl      one line per input profile with its final result (default: report.jsonl)
  --batch-size N           profiles per delivery (default: the manifest's recommendation, 900)
  --marketo-base-url URL   call this base URL instead of https://{munchkinId}.mktorest.com (sandbox)
  --max-replays N          times retryable profiles are sent again (default 3)
  --max-wait-ms N          longest wait before a replay (default 60000)

Exit code: 0 when every profile was delivered or skipped, 1 when any was rejected or is still
retryable, 2 for a usage error (missing file, bad JSON, missing credentials).`;

export interface RunFlags {
  config?: string;
  mappings?: string;
  audiences?: string;
  profiles?: string;
  report?: string;
  'batch-size'?: string;
  'marketo-base-url'?: string;
  'max-replays'?: string;
  'max-wait-ms'?: string;
}

/** What a test swaps out: the plugin's host options and the wait between replays. */
export interface RunDeps {
  pluginOptions?: PluginOptions;
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function positiveInt(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} must be a whole number, got ${value}`);
  return n;
}

export async function runCommand(flags: RunFlags, io: Output, env: NodeJS.ProcessEnv = process.env, deps: RunDeps = {}): Promise<number> {
  for (const flag of ['config', 'mappings', 'audiences', 'profiles'] as const) {
    if (!flags[flag]) throw new UsageError(`--${flag} is required. See: marketo-destination run --help`);
  }
  if (!existsSync(flags.profiles!)) throw new UsageError(`The profiles file ${flags.profiles} does not exist.`);
  const credentials = credentialsFromEnv(env);
  const config = readJsonFile(flags.config!, 'settings') as Record<string, unknown>;
  const mappings = readJsonFile(flags.mappings!, 'mappings') as Mapping[];
  const audiences = readJsonFile(flags.audiences!, 'audiences') as AudienceSpec[];
  const maxReplays = positiveInt(flags['max-replays'], '--max-replays', 3);
  const maxWaitMs = positiveInt(flags['max-wait-ms'], '--max-wait-ms', 60_000);

  const plugin = createPlugin({ ...deps.pluginOptions, ...(flags['marketo-base-url'] && { marketoBaseUrl: flags['marketo-base-url'] }) });
  const sleep = deps.sleep ?? realSleep;
  const batchSize = positiveInt(flags['batch-size'], '--batch-size', plugin.manifest.batching.recommendedProfilesPerDelivery) || 1;
  const reportPath = flags.report ?? 'report.jsonl';
  const report = createWriteStream(reportPath);
  const totals = { received: 0, delivered: 0, skipped: 0, rejected: 0, retryable: 0, created: 0, updated: 0, addedToList: 0, removedFromList: 0, unchanged: 0, apiCalls: 0 };
  try {
    const { connectionId, config: normalised } = await plugin.connect({ credentials, config });
    const activation = await plugin.activate({ connectionId, audiences, mappings });
    io.out(`Connected to ${normalised.munchkinId} (${normalised.syncType}); ${Object.keys(activation.lists).length} audience list(s) ready.`);
    for (const warning of activation.warnings) io.err(`warning: ${warning.message}`);

    const deliverBatch = async (batch: Array<{ line: number; profile: ProfileEvent | undefined; parseError?: string }>) => {
      const profiles = batch.filter((b) => b.profile).map((b) => b.profile!);
      const results = await deliverWithReplays(plugin, activation.activationId, profiles, { maxReplays, maxWaitMs, sleep }, (report) => {
        totals.created += report.summary.created;
        totals.updated += report.summary.updated;
        totals.addedToList += report.summary.addedToList;
        totals.removedFromList += report.summary.removedFromList;
        totals.apiCalls += report.summary.apiCalls;
        totals.unchanged += report.summary.unchanged;
      });
      let next = 0;
      for (const item of batch) {
        const result: RecordResult = item.profile
          ? results[next++]!
          : { recordId: `line:${item.line}`, outcome: 'rejected', actions: [], reason: { code: 'INVALID_PROFILE', message: `Line ${item.line} is not valid JSON: ${item.parseError}` } };
        totals.received++;
        totals[result.outcome]++;
        await writeLine(report, { line: item.line, ...result });
      }
      io.progress(`${totals.received} profile(s): ${totals.delivered} delivered, ${totals.skipped} skipped, ${totals.rejected} rejected, ${totals.retryable} retryable`);
    };

    let batch: Array<{ line: number; profile: ProfileEvent | undefined; parseError?: string }> = [];
    let lineNumber = 0;
    for await (const line of createInterface({ input: createReadStream(flags.profiles!), crlfDelay: Infinity })) {
      lineNumber++;
      if (line.trim() === '') continue;
      try {
        batch.push({ line: lineNumber, profile: JSON.parse(line) as ProfileEvent });
      } catch (error) {
        batch.push({ line: lineNumber, profile: undefined, parseError: (error as Error).message });
      }
      if (batch.length >= batchSize) {
        await deliverBatch(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await deliverBatch(batch);
  } finally {
    await new Promise<void>((resolve) => report.end(resolve));
    await plugin.teardown();
  }
  io.progress('');
  io.out(`Report: ${reportPath} (${totals.received} line(s))`);
  io.out(`Summary: ${summaryLine(totals)}`);
  return totals.rejected > 0 || totals.retryable > 0 ? 1 : 0;
}

/** Delivers, then sends retryable profiles again as the report advises, a bounded number of times. */
async function deliverWithReplays(
  plugin: ReturnType<typeof createPlugin>,
  activationId: string,
  profiles: ProfileEvent[],
  { maxReplays, maxWaitMs, sleep }: { maxReplays: number; maxWaitMs: number; sleep: (ms: number) => Promise<void> },
  count: (report: DeliveryReport) => void,
): Promise<RecordResult[]> {
  const results: RecordResult[] = new Array(profiles.length);
  let pending = profiles.map((profile, index) => ({ profile, index }));
  for (let round = 0; pending.length > 0; round++) {
    const report = await plugin.deliver({ activationId, profiles: pending.map((p) => p.profile) });
    count(report);
    const again: typeof pending = [];
    let wait = 0;
    report.results.forEach((result, i) => {
      results[pending[i]!.index] = result;
      if (result.outcome === 'retryable') {
        again.push(pending[i]!);
        wait = Math.max(wait, result.retryAfterMs ?? 0);
      }
    });
    if (again.length === 0 || round >= maxReplays || wait > maxWaitMs) break;
    await sleep(wait);
    pending = again;
  }
  return results;
}

function writeLine(stream: WriteStream, value: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    if (stream.write(`${JSON.stringify(value)}\n`)) resolve();
    else stream.once('drain', resolve).once('error', reject);
  });
}
