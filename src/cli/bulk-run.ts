import type { MarketoDestinationPlugin } from '../index.js';
import type { BackfillProgress, BackfillReport, ProfileEvent, RecordResult } from '../types.js';
import type { Output } from './io.js';
import { parseProfileLine, readInputLines } from './profile-lines.js';
import type { ReportFile } from './report-file.js';

/** Report lines are written in blocks, in the order results come (a backfill answers in any order). */
const REPORT_BLOCK = 1_000;

export interface BulkRunResult {
  report: BackfillReport;
  lines: number;
  outcomes: Record<RecordResult['outcome'], number>;
}

/**
 * `run --bulk`: streams the NDJSON file through `backfill`, writing one report line per input
 * line as results come and showing the phase, the counts and an estimate of the time left.
 * While in flight, a profile travels under its line number (so that a result finds its line
 * whatever the input's record ids); only in-flight profiles are remembered.
 */
export async function backfillFile(plugin: MarketoDestinationPlugin, activationId: string, profilesPath: string, report: ReportFile, io: Output, now: () => number): Promise<BulkRunResult> {
  const total = await countLines(profilesPath);
  const recordIds = new Map<string, string>();
  /** Lines that are not profiles never reach the backfill; the progress counts them all the same. */
  let notProfiles = 0;
  const outcomes = { delivered: 0, skipped: 0, rejected: 0, retryable: 0 };
  let block: unknown[] = [];
  let writing = Promise.resolve();
  let lines = 0;
  const write = (line: unknown) => {
    block.push(line);
    lines++;
    if (block.length >= REPORT_BLOCK) flush();
  };
  const flush = () => {
    const values = block;
    block = [];
    writing = writing.then(() => report.append(values));
  };
  const record = (line: number, result: RecordResult) => {
    outcomes[result.outcome]++;
    write({ line, ...result });
  };

  async function* profiles(): AsyncGenerator<ProfileEvent> {
    for await (const input of readInputLines(profilesPath)) {
      const parsed = parseProfileLine(input);
      if ('problem' in parsed) {
        notProfiles++;
        record(parsed.line, { recordId: `line:${parsed.line}`, outcome: 'rejected', actions: [], reason: { code: 'INVALID_PROFILE', message: parsed.problem } });
        continue;
      }
      const original = parsed.profile.recordId;
      recordIds.set(String(parsed.line), typeof original === 'string' && original !== '' ? original : `line:${parsed.line}`);
      yield { ...parsed.profile, recordId: String(parsed.line) };
    }
  }

  const started = now();
  const result = await plugin.backfill({
    activationId,
    profiles: profiles(),
    onResult: (result) => {
      const recordId = recordIds.get(result.recordId) ?? result.recordId;
      recordIds.delete(result.recordId);
      record(Number(result.recordId), { ...result, recordId });
    },
    onProgress: (progress) => io.progress(progressLine({ ...progress, read: progress.read + notProfiles, done: progress.done + notProfiles }, total, now() - started)),
  });
  flush();
  await writing;
  io.progress('');
  return { report: result, lines, outcomes };
}

/** `matching · read 120 000/1 000 000 · imported 80 000 · done 60 000 (6 %) · about 12 min left` */
export function progressLine(progress: BackfillProgress, total: number, elapsedMs: number): string {
  const n = (value: number) => value.toLocaleString('en-US');
  const share = total > 0 ? progress.done / total : 0;
  const left = share > 0.01 && share < 1 ? ` · about ${duration((elapsedMs / share) * (1 - share))} left` : '';
  return `${progress.phase} · read ${n(progress.read)}/${n(total)} · imported ${n(progress.imported)} · done ${n(progress.done)} (${Math.floor(share * 100)} %)${left}`;
}

function duration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  return minutes >= 1 ? `${minutes} min` : `${Math.max(1, Math.round(ms / 1000))} s`;
}

/** The input's non-blank lines, counted once up front for the progress estimate. */
async function countLines(path: string): Promise<number> {
  let count = 0;
  for await (const _line of readInputLines(path)) count++;
  return count;
}
