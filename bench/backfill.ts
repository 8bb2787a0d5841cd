import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startSandbox } from '../dist/src/sandbox/index.js';
import { DEFAULT_SEED } from '../dist/src/sandbox/index.js';
import { backfillInstance } from './backfill-workload.js';

/**
 * What a backfill costs against the REST path. Imports run on a clock 100 times faster than
 * the model below (sandbox: 50 000 rows/s a job, a 10 ms queue; plugin: polls every 50 ms),
 * so the status polls counted are the ones a real run makes at 500 rows/s a job and a poll
 * every 5 s.
 *
 * Model of a real instance (Marketo publishes no import speed): 500 rows per second per job,
 * two jobs at once; REST calls at the ceiling of 100 per 20 s. The REST path spends SPEC §5's
 * minimum of calls at the ceiling; a backfill's calls go at the ceiling while its imports run,
 * the two overlapping.
 */
export interface BackfillBenchResult {
  profiles: number;
  restMinimum: number;
  calls: { lookup: number; importSubmit: number; importPoll: number; importFiles: number; listRemove: number; other: number; total: number };
  delivered: number;
  notDelivered: number;
  imports: number;
  importedRows: number;
  peakRssMb: number;
  runSeconds: number;
  model: { restMinutes: number; backfillCallMinutes: number; importMinutes: number };
}

const TIME_SCALE = 100;
const MODEL_ROWS_PER_SECOND = 2 * 500;
const CEILING_CALLS_PER_SECOND = 100 / 20;

export async function measureBackfill(count: number): Promise<BackfillBenchResult> {
  const { leads, restMinimum } = backfillInstance(count);
  const sandbox = await startSandbox({
    seed: { ...DEFAULT_SEED, lists: [], leads },
    limits: { callsPerWindow: 1e9, windowMs: 20_000, maxConcurrent: 10, dailyQuota: 1e9 },
    bulk: { rowsPerSecond: 500 * TIME_SCALE, queueDelayMs: 1_000 / TIME_SCALE },
  });
  try {
    const child = new URL('./backfill-child.ts', import.meta.url).pathname;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', child, sandbox.url, String(count), String(5_000 / TIME_SCALE)], {
      maxBuffer: 1 << 20,
    });
    const run = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      summary: { received: number; delivered: number; skipped: number };
      outcomes: Record<string, number>;
      imports: number;
      importedRows: number;
      peakRssMb: number;
      seconds: number;
    };
    const ops = sandbox.stats.byOperation;
    const sum = (match: (operation: string) => boolean) => Object.entries(ops).filter(([op]) => match(op)).reduce((n, [, c]) => n + c, 0);
    const calls = {
      lookup: sum((op) => op === 'lookup leads'),
      importSubmit: sum((op) => op === 'POST /bulk/v1/leads.json'),
      importPoll: sum((op) => /^GET \/bulk\/v1\/leads\/batch\/\{id\}\.json$/.test(op)),
      importFiles: sum((op) => /(failures|warnings)\.json$/.test(op)),
      listRemove: sum((op) => op === 'list remove'),
      other: 0,
      total: sandbox.stats.calls,
    };
    calls.other = calls.total - calls.lookup - calls.importSubmit - calls.importPoll - calls.importFiles - calls.listRemove;
    return {
      profiles: count,
      restMinimum,
      calls,
      delivered: run.outcomes.delivered! + run.outcomes.skipped!,
      notDelivered: run.outcomes.rejected! + run.outcomes.retryable!,
      imports: run.imports,
      importedRows: run.importedRows,
      peakRssMb: run.peakRssMb,
      runSeconds: run.seconds,
      model: {
        restMinutes: restMinimum / CEILING_CALLS_PER_SECOND / 60,
        backfillCallMinutes: calls.total / CEILING_CALLS_PER_SECOND / 60,
        importMinutes: run.importedRows / MODEL_ROWS_PER_SECOND / 60,
      },
    };
  } finally {
    await sandbox.stop();
  }
}
