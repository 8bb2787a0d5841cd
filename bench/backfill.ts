import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { backfillInstance } from './backfill-workload.js';
import { DEFAULT_SEED, startSandbox } from './dist.js';
import type { SectionRun } from './section.js';

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

const n = (value: number) => value.toLocaleString('en-US');

const run: SectionRun = async ({ quick, print }) => {
  print('   An audience\'s first load: every profile a member of the new audience, with the delivery benchmark\'s mix');
  print('   of leads (45 % matched, 10 % with two duplicates in different partitions, 35 % new, 10 % repeats).');
  print('   "REST minimum": SPEC §5 for all of it as one delivery by REST (lookups with their pages, updates,');
  print('   creates, list adds). The backfill makes the same lookups (matching is that of deliver) and writes');
  print('   through imports. Imports ran 100× faster than the model below, with polls 100× more often, so the');
  print('   polls counted are those of a real run. Peak RSS: the plugin\'s process alone (the sandbox is elsewhere).');
  print('   Model of a real instance (Marketo publishes no import speed): 500 rows/s per job, 2 jobs at once;');
  print('   REST calls at the ceiling of 100 per 20 s.');
  const widths = [10, 8, 8, 7, 6, 6, 7, 8, 11, 10, 10, 9];
  const pad = (cells: Array<string | number>) => cells.map((c, i) => String(c).padStart(widths[i]!)).join('  ');
  print(pad(['profiles', 'REST min', 'lookups', 'imports', 'polls', 'other', 'total', 'vs min', 'delivered', 'peak RSS', 'REST time', 'bulk time']));
  for (const count of quick ? [100_000] : [100_000, 1_000_000]) {
    const r = await measureBackfill(count);
    const restMinutes = r.model.restMinutes;
    const bulkMinutes = Math.max(r.model.backfillCallMinutes, r.model.importMinutes);
    print(
      pad([
        n(count),
        n(r.restMinimum),
        n(r.calls.lookup),
        r.calls.importSubmit,
        r.calls.importPoll,
        r.calls.listRemove + r.calls.importFiles + r.calls.other,
        n(r.calls.total),
        `${(r.calls.total / r.restMinimum).toFixed(3)}×`,
        `${n(r.delivered)}${r.notDelivered > 0 ? ` (+${n(r.notDelivered)}!)` : ''}`,
        `${r.peakRssMb} MB`,
        `${restMinutes.toFixed(1)} min`,
        `${bulkMinutes.toFixed(1)} min`,
      ]),
    );
    print(`${''.padStart(10)}  (${n(r.imports)} imports of ${n(r.importedRows)} rows; lookups alone are ${(r.calls.lookup / r.restMinimum).toFixed(3)}× the REST minimum; bench run ${r.runSeconds.toFixed(0)} s)`);
  }
  print('   "bulk time": the longer of its calls at the ceiling and its imports at the model speed (they overlap).');
};

export default run;
