import { createPlugin, type MarketoDestinationPlugin } from '../index.js';
import type { DestinationEvents } from '../events.js';
import { loadShippedManifest } from '../manifest/validate.js';
import type { DeliverySummary, Logger, PluginOptions, RecordResult } from '../types.js';
import { deliverWithReplays, marketoTookNone, UNAVAILABLE_REASONS, type BatchResults } from './batch-delivery.js';
import { EXIT } from './exit-codes.js';
import type { Output } from './io.js';
import { createCliLogger } from './logger.js';
import { parseProfileLine, readInputLines, type ProfileLine } from './profile-lines.js';
import { backfillFile } from './bulk-run.js';
import { ReportFile } from './report-file.js';
import { readRunSettings, RUN_DEFAULTS, type RunFlags, type RunSettings } from './run-settings.js';

export const RUN_HELP = `Usage: marketo-destination run --config settings.json --mappings mappings.json
                               --audiences audiences.json --profiles profiles.ndjson [options]

Streams profile events (NDJSON: one JSON object per line) through connect → activate → deliver in
batches, sends retryable profiles again as Marketo advises, and writes one report line per input
line. Credentials come from MARKETO_CLIENT_ID and MARKETO_CLIENT_SECRET.

Options:
  --report FILE                 one JSON line per input line (default: ${RUN_DEFAULTS.report}); written to a
                                temporary file beside it and renamed at the end, so a run that fails
                                leaves the previous report as it was
  --batch-size N                profiles per delivery (default: the manifest's recommendation, 900)
  --max-replays N               times retryable profiles are sent again (default ${RUN_DEFAULTS.maxReplays})
  --max-wait-ms N               longest wait before a replay, in milliseconds (default ${RUN_DEFAULTS.maxWaitMs})
  --max-unavailable-batches N   stop after N batches in a row of which Marketo took nothing
                                (unavailable, rate limited, quota used up) (default ${RUN_DEFAULTS.maxUnavailableBatches});
                                a used-up daily quota stops the run at once
  --dry-run                     look leads up but write nothing: the report and a plan per audience
                                say what a real run would create, update, leave unchanged, add, remove
  --bulk                        send the file through Bulk Lead Import (an audience's first load: far
                                fewer API calls for large files), with the phase, counts and time left
  --marketo-base-url URL        call this base URL instead of https://{munchkinId}.mktorest.com (sandbox)
  --log-level LEVEL             debug, info, warn or error (default ${RUN_DEFAULTS.logLevel}); logs go to stderr
  --log-format FORMAT           text, or json: one object per line with time, level, msg and fields
                                (default ${RUN_DEFAULTS.logFormat})
  -h, --help                    show this help

Exit codes:
  0  every profile delivered or skipped
  1  some profile rejected or still retryable (see the report)
  2  usage: a bad option, a missing or unreadable file, bad JSON, missing credentials
  3  settings, mappings or credentials refused (by the plugin or by Marketo)
  4  stopped early: Marketo unavailable, or its daily quota used up`;

/** What a test swaps out: the plugin's host options, the wait between replays, the clock. */
export interface RunDeps {
  pluginOptions?: PluginOptions;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Counts over the whole run: outcomes per report line, and what Marketo confirmed. */
export interface RunTotals {
  lines: number;
  delivered: number;
  skipped: number;
  rejected: number;
  retryable: number;
  created: number;
  updated: number;
  addedToList: number;
  removedFromList: number;
  unchanged: number;
  apiCalls: number;
  /** A dry run's plan: by action (`created`, `updated`, `unchanged`, `listAdded:aud-1`, …), how many profiles. */
  plan: Map<string, number>;
}

/** Why a run stopped before the end of its input. */
type EarlyStop = ({ kind: 'quota'; resetsAt: number } | { kind: 'unavailable'; batches: number; lastReason: string }) & {
  /** The last input line with a report line. */
  lastLine: number;
  /** Non-blank lines after it, counted but not read as profiles. */
  unread: number;
};

export async function runCommand(flags: RunFlags, io: Output, env: NodeJS.ProcessEnv = process.env, deps: RunDeps = {}): Promise<number> {
  const batching = loadShippedManifest().batching;
  const settings = readRunSettings(flags, env, batching.maxProfilesPerDelivery);
  const now = deps.now ?? Date.now;
  const logger = createCliLogger({ level: settings.logLevel, format: settings.logFormat, write: io.err, now });
  const plugin = createPlugin({ ...deps.pluginOptions, logger, ...(settings.marketoBaseUrl && { marketoBaseUrl: settings.marketoBaseUrl }) });
  logAlerts(plugin.events, logger);
  let report: ReportFile | undefined;
  try {
    const { connectionId, config } = await plugin.connect({ credentials: settings.credentials, config: settings.config });
    const activation = await plugin.activate({ connectionId, audiences: settings.audiences, mappings: settings.mappings });
    io.out(`Connected to ${config.munchkinId} (${config.syncType}); ${Object.keys(activation.lists).length} audience list(s) ready.`);
    for (const { code, message } of activation.warnings) logger.warn(message, { code });

    report = await ReportFile.create(settings.reportPath);
    if (settings.bulk) {
      const bulk = await backfillFile(plugin, activation.activationId, settings.profilesPath, report, io, now);
      await report.commit();
      report = undefined;
      const totals = { ...emptyTotals(), ...bulk.outcomes, lines: bulk.lines, ...pick(bulk.report.summary) };
      io.out(`Report: ${settings.reportPath} (${totals.lines} line(s)); ${bulk.report.imports.length} bulk import(s)`);
      for (const line of summaryLines(totals)) io.out(line);
      return totals.rejected > 0 || totals.retryable > 0 ? EXIT.notDelivered : EXIT.ok;
    }
    const batchSize = settings.batchSize ?? batching.recommendedProfilesPerDelivery;
    const { totals, stop } = await streamProfiles({ plugin, activationId: activation.activationId, settings, batchSize, report, io, logger, now, sleep: deps.sleep ?? realSleep });
    await report.commit();
    report = undefined;

    io.progress('');
    io.out(`Report: ${settings.reportPath} (${totals.lines} line(s))`);
    if (settings.dryRun) for (const line of planLines(totals, settings.audiences)) io.out(line);
    else for (const line of summaryLines(totals)) io.out(line);
    if (stop) {
      logger.error(stopMessage(stop, totals, settings.profilesPath), { exitCode: EXIT.stopped, unreadLines: stop.unread });
      return EXIT.stopped;
    }
    return totals.rejected > 0 || totals.retryable > 0 ? EXIT.notDelivered : EXIT.ok;
  } finally {
    await report?.discard();
    await plugin.teardown();
  }
}

interface StreamContext {
  plugin: MarketoDestinationPlugin;
  activationId: string;
  settings: RunSettings;
  batchSize: number;
  report: ReportFile;
  io: Output;
  logger: Logger;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

/**
 * Reads the input in batches and delivers each; every line read gets its report line. After an
 * early stop the rest of the file is only counted, so the message can say how much was not sent.
 */
function emptyTotals(): RunTotals {
  return { lines: 0, delivered: 0, skipped: 0, rejected: 0, retryable: 0, created: 0, updated: 0, addedToList: 0, removedFromList: 0, unchanged: 0, apiCalls: 0, plan: new Map() };
}

function pick(summary: DeliverySummary): Pick<RunTotals, 'created' | 'updated' | 'addedToList' | 'removedFromList' | 'unchanged' | 'apiCalls'> {
  const { created, updated, addedToList, removedFromList, unchanged, apiCalls } = summary;
  return { created, updated, addedToList, removedFromList, unchanged, apiCalls };
}

async function streamProfiles(context: StreamContext): Promise<{ totals: RunTotals; stop?: EarlyStop }> {
  const totals = emptyTotals();
  const unavailable = { batches: 0 };
  let stop: EarlyStop | undefined;
  let batch: ProfileLine[] = [];
  for await (const input of readInputLines(context.settings.profilesPath)) {
    if (stop) {
      stop.unread++;
      continue;
    }
    batch.push(parseProfileLine(input));
    if (batch.length >= context.batchSize) {
      stop = await deliverBatch(context, batch, totals, unavailable);
      batch = [];
    }
  }
  if (!stop && batch.length > 0) stop = await deliverBatch(context, batch, totals, unavailable);
  return { totals, ...(stop && { stop }) };
}

async function deliverBatch(context: StreamContext, batch: ProfileLine[], totals: RunTotals, unavailable: { batches: number }): Promise<EarlyStop | undefined> {
  const { settings, logger } = context;
  const profiles = batch.flatMap((item) => ('profile' in item ? [item.profile] : []));
  const policy = { dryRun: settings.dryRun, maxReplays: settings.maxReplays, maxWaitMs: settings.maxWaitMs, sleep: context.sleep, logger };
  const delivered: BatchResults = profiles.length === 0 ? { results: [] } : await deliverWithReplays(context.plugin, context.activationId, profiles, policy, (summary) => addConfirmed(totals, summary));
  let next = 0;
  const lines = batch.map((item) => {
    const result: RecordResult =
      'profile' in item ? delivered.results[next++]! : { recordId: `line:${item.line}`, outcome: 'rejected', actions: [], reason: { code: 'INVALID_PROFILE', message: item.problem } };
    totals.lines++;
    totals[result.outcome]++;
    if (settings.dryRun) for (const action of result.actions) totals.plan.set(action, (totals.plan.get(action) ?? 0) + 1);
    return { line: item.line, ...result, ...(settings.dryRun && { dryRun: true }) };
  });
  await context.report.append(lines);
  context.io.progress(`${totals.lines} line(s): ${totals.delivered} delivered, ${totals.skipped} skipped, ${totals.rejected} rejected, ${totals.retryable} retryable`);
  const span = { fromLine: batch[0]!.line, toLine: batch.at(-1)!.line };
  logger.debug('Batch done', { ...span, ...countOutcomes(lines) });

  const position = { lastLine: span.toLine, unread: 0 };
  if (delivered.quotaRetryAfterMs !== undefined) return { kind: 'quota', resetsAt: context.now() + delivered.quotaRetryAfterMs, ...position };
  const tookNone = marketoTookNone(delivered.results);
  if (tookNone === undefined) return undefined;
  unavailable.batches = tookNone ? unavailable.batches + 1 : 0;
  if (!tookNone) return undefined;
  const lastReason = delivered.results.find((r) => UNAVAILABLE_REASONS.has(r.reason?.code ?? ''))?.reason;
  logger.warn('Marketo took none of this batch', { ...span, batchesInARow: unavailable.batches, stopAfter: settings.maxUnavailableBatches, reason: lastReason?.code });
  if (unavailable.batches < settings.maxUnavailableBatches) return undefined;
  return { kind: 'unavailable', batches: unavailable.batches, lastReason: lastReason ? `${lastReason.code}: ${lastReason.message}` : 'unknown', ...position };
}

function addConfirmed(totals: RunTotals, summary: DeliverySummary): void {
  totals.created += summary.created;
  totals.updated += summary.updated;
  totals.addedToList += summary.addedToList;
  totals.removedFromList += summary.removedFromList;
  totals.unchanged += summary.unchanged;
  totals.apiCalls += summary.apiCalls;
}

/** A dry run's plan: what a real run would do, in all and per audience. */
export function planLines(t: RunTotals, audiences: ReadonlyArray<{ id: string; name: string }>): string[] {
  const count = (action: string) => t.plan.get(action) ?? 0;
  return [
    `Dry run — nothing was written. Profiles: ${t.lines} read · ${t.delivered} would be delivered · ${t.skipped} skipped · ${t.rejected} rejected · ${t.retryable} could not be looked up`,
    `Would create ${count('created')} lead(s) · update ${count('updated')} · leave ${count('unchanged')} unchanged (${t.apiCalls} lookup call(s))`,
    ...audiences.map((a) => `  audience "${a.name}" (${a.id}): would add ${count(`listAdded:${a.id}`)} · remove ${count(`listRemoved:${a.id}`)}`),
  ];
}

function countOutcomes(results: RecordResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) counts[r.outcome] = (counts[r.outcome] ?? 0) + 1;
  return counts;
}

/**
 * The plugin's summary counts what Marketo confirmed, which is not always a change: a list add
 * of a lead already in the list is confirmed as added, the removal of a lead that was not in it
 * as removed, and an update as updated whether or not a value differed. The words say so.
 */
export function summaryLines(t: RunTotals): string[] {
  return [
    `Profiles: ${t.lines} read · ${t.delivered} delivered · ${t.skipped} skipped · ${t.rejected} rejected · ${t.retryable} still retryable`,
    `Marketo confirmed: ${t.created} lead(s) created · ${t.updated} lead(s) updated (changed fields sent) · ` +
      `${t.addedToList} in list (added or already a member) · ${t.removedFromList} out of list (removed or not a member) · ` +
      `${t.unchanged} unchanged (no call needed) · ${t.apiCalls} API call(s)`,
  ];
}

function stopMessage(stop: EarlyStop, totals: RunTotals, profilesPath: string): string {
  const unread =
    stop.unread === 0
      ? 'No line was left unread.'
      : `The ${stop.unread} line(s) of ${profilesPath} after line ${stop.lastLine} were not read and have no report line.`;
  const left = `${totals.retryable} profile(s) in the report are retryable. ${unread}`;
  if (stop.kind === 'quota') {
    return `Stopped: Marketo's daily API quota is used up (QUOTA_EXHAUSTED). It resets at ${new Date(stop.resetsAt).toISOString()} (midnight US Central time). ${left} Run again after the reset.`;
  }
  return `Stopped: Marketo took none of the last ${stop.batches} batch(es) (${stop.lastReason}). ${left} Run again when Marketo answers.`;
}

/** The plugin's alerts, in the log: what an operator watches for during a long run. */
function logAlerts(events: DestinationEvents, logger: Logger): void {
  events.on('rate.limited', ({ message, ...fields }) => logger.warn(message, fields));
  events.on('quota.exhausted', ({ message, ...fields }) => logger.error(message, fields));
  events.on('auth.failed', ({ message, ...fields }) => logger.error(message, fields));
  events.on('records.rejected', ({ message, ...fields }) => logger.info(message, fields));
  events.on('run.started', ({ message, ...fields }) => logger.debug(message, fields));
  events.on('run.succeeded', ({ message, ...fields }) => logger.debug(message, fields));
  events.on('run.failed', ({ message, ...fields }) => logger.debug(message, fields));
}
