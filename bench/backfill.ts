import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { text } from 'node:stream/consumers';
import { backfillInstance, backfillProfiles, FIRST_LOAD_AUDIENCE } from './backfill-workload.js';
import { DEFAULT_SEED, DIST, SANDBOX_CREDENTIALS, startSandbox } from './dist.js';
import type { SectionRun } from './section.js';
import { BENCH_CONFIG, BENCH_MAPPINGS } from './workload.js';

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
  calls: { lookup: number; importSubmit: number; importPoll: number; importFiles: number; listRemove: number; other: number; total: number; setup: number };
  delivered: number;
  notDelivered: number;
  imports: number;
  importedRows: number;
  rssBeforeMb: number;
  peakRssMb: number;
  runSeconds: number;
  model: { restMinutes: number; backfillCallMinutes: number; importMinutes: number };
}

const TIME_SCALE = 100;
/** The calls of connect and activate, made before the backfill starts. */
const SETUP_OPERATIONS = [/describe2?\.json$/, /partitions\.json$/, /workspaces\.json$/, /^GET \/rest\/asset\/v1\/staticList/, /^(GET|POST) \/rest\/asset\/v1\/(folder|folders|staticLists)/];
/** The old-space cap of the second 1 000 000 run: enough for the plugin's live set, far below what V8 takes by default. */
const HEAP_CAP_MB = 128;
const MODEL_ROWS_PER_SECOND = 2 * 500;
const CEILING_CALLS_PER_SECOND = 100 / 20;

export async function measureBackfill(count: number, nodeArgs: string[] = []): Promise<BackfillBenchResult> {
  const { leads, restMinimum } = backfillInstance(count);
  const sandbox = await startSandbox({
    seed: { ...DEFAULT_SEED, lists: [], leads },
    limits: { callsPerWindow: 1e9, windowMs: 20_000, maxConcurrent: 10, dailyQuota: 1e9 },
    bulk: { rowsPerSecond: 500 * TIME_SCALE, queueDelayMs: 1_000 / TIME_SCALE },
  });
  try {
    const run = await runChild(sandbox.url, count, nodeArgs);
    const ops = sandbox.stats.byOperation;
    const sum = (match: (operation: string) => boolean) => Object.entries(ops).filter(([op]) => match(op)).reduce((n, [, c]) => n + c, 0);
    // connect and activate (the schema, partitions, workspace, the audience's list): not the
    // backfill's, as they are not a delivery's in SPEC §5's minimum.
    const setup = sum((op) => SETUP_OPERATIONS.some((pattern) => pattern.test(op)));
    const calls = {
      lookup: sum((op) => op === 'lookup leads'),
      importSubmit: sum((op) => op === 'POST /bulk/v1/leads.json'),
      importPoll: sum((op) => /^GET \/bulk\/v1\/leads\/batch\/\{id\}\.json$/.test(op)),
      importFiles: sum((op) => /(failures|warnings)\.json$/.test(op)),
      listRemove: sum((op) => op === 'list remove'),
      other: 0,
      total: sandbox.stats.calls - setup,
      setup,
    };
    // What the sandbox answered is what the backfill reports it made: the split above is exact.
    if (calls.total !== run.summary.apiCalls) throw new Error(`The sandbox answered ${calls.total} backfill calls, the backfill reports ${run.summary.apiCalls}.`);
    calls.other = calls.total - calls.lookup - calls.importSubmit - calls.importPoll - calls.importFiles - calls.listRemove;
    return {
      profiles: count,
      restMinimum,
      calls,
      delivered: run.outcomes.delivered! + run.outcomes.skipped!,
      notDelivered: run.outcomes.rejected! + run.outcomes.retryable!,
      imports: run.imports,
      importedRows: run.importedRows,
      rssBeforeMb: run.rssBeforeMb,
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

interface ChildRun {
  summary: { received: number; delivered: number; skipped: number; apiCalls: number };
  outcomes: Record<string, number>;
  imports: number;
  importedRows: number;
  rssBeforeMb: number;
  peakRssMb: number;
  seconds: number;
}

/** The plugin in a plain Node process of its own (bench/backfill-child.mjs), fed NDJSON profiles with backpressure. */
async function runChild(sandboxUrl: string, count: number, nodeArgs: string[]): Promise<ChildRun> {
  const setup = { credentials: SANDBOX_CREDENTIALS, config: BENCH_CONFIG, audience: FIRST_LOAD_AUDIENCE, mappings: BENCH_MAPPINGS, pollIntervalMs: 5_000 / TIME_SCALE };
  const script = new URL('./backfill-child.mjs', import.meta.url).pathname;
  const child = spawn(process.execPath, [...nodeArgs, script, new URL('index.js', DIST).href, sandboxUrl, JSON.stringify(setup)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const output = text(child.stdout);
  const exited = once(child, 'exit');
  try {
    for (const profile of backfillProfiles(count)) {
      if (!child.stdin.write(`${JSON.stringify(profile)}\n`)) await Promise.race([once(child.stdin, 'drain'), exited]);
      if (child.exitCode !== null) break;
    }
    child.stdin.end();
  } catch {
    // The child ended early: its exit code says why.
  }
  const [code] = await exited;
  if (code !== 0) throw new Error(`The backfill benchmark's plugin process ended with code ${code}.`);
  return JSON.parse((await output).trim().split('\n').at(-1)!) as ChildRun;
}

const n = (value: number) => value.toLocaleString('en-US');

const run: SectionRun = async ({ quick, print }) => {
  print('   An audience\'s first load: every profile a member of the new audience, with the delivery benchmark\'s mix');
  print('   of leads (45 % matched, 10 % with two duplicates in different partitions, 35 % new, 10 % repeats).');
  print('   "REST minimum": SPEC §5 for all of it as one delivery by REST (lookups with their pages, updates,');
  print('   creates, list adds), and the backfill\'s own calls (its report\'s apiCalls, equal to what the sandbox answered),');
  print('   neither counting connect and activate. The backfill makes the same lookups (matching is that of deliver) and writes');
  print('   through imports. Imports ran 100× faster than the model below, with polls 100× more often, so the');
  print('   polls counted are those of a real run. Peak RSS: the kernel\'s high-water mark of a plain Node process');
  print('   running the compiled plugin, fed the profiles as NDJSON on stdin (the sandbox runs elsewhere).');
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
    print(
      `${''.padStart(10)}  (${n(r.imports)} imports of ${n(r.importedRows)} rows; lookups alone are ${(r.calls.lookup / r.restMinimum).toFixed(3)}× the REST minimum; ` +
        `connect and activate made ${r.calls.setup} more; RSS ${r.rssBeforeMb} MB before the backfill; bench run ${r.runSeconds.toFixed(0)} s)`,
    );
    if (count === 1_000_000 || quick) {
      // V8 lets the heap grow into free memory when there is plenty; a cap shows the live set.
      const capped = await measureBackfill(count, [`--max-old-space-size=${HEAP_CAP_MB}`]);
      print(
        `${''.padStart(10)}  with --max-old-space-size=${HEAP_CAP_MB}: peak RSS ${capped.peakRssMb} MB, ${n(capped.calls.total)} calls, ` +
          `${n(capped.delivered)} delivered, bench run ${capped.runSeconds.toFixed(0)} s (${(capped.runSeconds / r.runSeconds).toFixed(2)}× the time at Node's defaults)`,
      );
    }
  }
  print('   "bulk time": the longer of its calls at the ceiling and its imports at the model speed (they overlap).');
};

export default run;
