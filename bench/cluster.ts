import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
// The cluster tests' helpers: workers are real processes, Redis is the real server.
import { startJsonLinesProcess, type JsonLinesProcess } from '../test/support/json-lines-process.js';
import { deleteKeys, REDIS_URL, redisAnswers } from '../test/support/redis.js';
import type { SectionContext } from './section.js';
import type { WorkerJob, WorkerLine } from './cluster-worker.js';
import { startSandbox } from './dist.js';
import { CallLog, ceilingOf, maxInWindow, percent, percentile, seconds, thousands, utilisation } from './measure.js';
import { deliveriesOf, makeWorkload } from './workload.js';

const LIMITS = { callsPerWindow: 100, windowMs: 2_000, maxConcurrent: 10, dailyQuota: 1e9 };
const LATENCY_MS = 40;
const LOOPS_PER_WORKER = 8;

type Worker = JsonLinesProcess<WorkerLine>;

/** Starts a worker process (bench/cluster-worker.ts) with its job on stdin. */
const startWorker = (job: WorkerJob): Worker => startJsonLinesProcess<WorkerLine>(fileURLToPath(new URL('./cluster-worker.ts', import.meta.url)), job);

interface ClusterResult {
  calls: number;
  spanMs: number;
  maxPerWindow: number;
  utilisation: number;
  rateLimited: number;
  concurrencyLimited: number;
  tokenCalls: number;
  durations: number[];
  problems: { rejected: number; retryable: number };
}

async function runCluster(workers: number, deliveries: ReturnType<typeof deliveriesOf>, seed: ReturnType<typeof makeWorkload>): Promise<ClusterResult> {
  const log = new CallLog();
  const sandbox = await startSandbox({ seed: seed.seed, limits: LIMITS, latencyMs: LATENCY_MS, onCall: log.onCall });
  const prefix = `mktdest-bench:${randomUUID().slice(0, 8)}:`;
  const running: Worker[] = [];
  try {
    const job = (w: number): WorkerJob => ({
      sandboxUrl: sandbox.url,
      redis: { url: REDIS_URL, keyPrefix: prefix },
      limits: LIMITS,
      audiences: seed.audiences,
      // Delivery d goes to worker d mod n: neighbouring deliveries, which share people, land on different workers.
      deliveries: deliveries.filter((_, d) => d % workers === w),
      loops: LOOPS_PER_WORKER,
    });
    // The first activation creates the audiences' lists; the others find them by name.
    running.push(startWorker(job(0)));
    await running[0]!.ready;
    for (let w = 1; w < workers; w++) running.push(startWorker(job(w)));
    await Promise.all(running.map((w) => w.ready));
    // Let the window left by connect and activate drain, so the stream starts with a full budget.
    await new Promise((resolve) => setTimeout(resolve, LIMITS.windowMs + 100));
    const callsBefore = sandbox.stats.calls;
    const go = Date.now();
    for (const worker of running) worker.process.kill('SIGUSR2');
    const codes = await Promise.all(running.map((w) => w.exited));
    if (codes.some((code) => code !== 0)) throw new Error(`a cluster worker failed (exit codes ${codes.join(', ')})`);
    const lines = running.flatMap((w) => w.lines);
    const end = Math.max(...lines.map((l) => l.finished ?? 0));
    const arrivals = log.since(go);
    const calls = sandbox.stats.calls - callsBefore;
    return {
      calls,
      spanMs: end - (arrivals[0] ?? go),
      maxPerWindow: maxInWindow(arrivals, LIMITS.windowMs),
      utilisation: utilisation(calls, arrivals[0] ?? go, end, ceilingOf(LIMITS, LATENCY_MS).perSecond),
      rateLimited: sandbox.stats.rateLimited,
      concurrencyLimited: sandbox.stats.concurrencyLimited,
      tokenCalls: sandbox.stats.tokenCalls,
      durations: lines.flatMap((l) => (l.ms === undefined ? [] : [l.ms])),
      problems: lines.reduce((sum, l) => ({ rejected: sum.rejected + (l.summary?.rejected ?? 0), retryable: sum.retryable + (l.summary?.retryable ?? 0) }), { rejected: 0, retryable: 0 }),
    };
  } finally {
    for (const worker of running) if (worker.process.exitCode === null) worker.process.kill('SIGKILL');
    await Promise.all(running.map((w) => w.exited));
    await sandbox.stop();
    await deleteKeys(prefix);
  }
}

const pad = (cells: Array<string | number>, widths: number[]) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!))).join('  ');

/**
 * Cluster mode: 1, 2 and 4 worker processes, each a plugin with `redis` on the same key prefix,
 * stream one stream's deliveries against one sandbox (in this process) with scaled limits.
 */
export default async function run({ quick, print }: SectionContext): Promise<void> {
  if (!(await redisAnswers())) {
    const { protocol, host } = new URL(REDIS_URL);
    print(`   skipped: no Redis answers at ${protocol}//${host} (start one, or set REDIS_URL)`);
    return;
  }
  const workload = makeWorkload(quick ? 4_000 : 36_000, 13, 200);
  const deliveries = deliveriesOf(workload.profiles, 100);
  print(`   ${thousands(workload.profiles.length)} profiles in ${deliveries.length} deliveries of 100 (10 % repeat a person of the previous two deliveries),`);
  print(`   dealt round-robin to the workers; each worker runs ${LOOPS_PER_WORKER} delivery loops; lead cache at its default (in Redis).`);
  print('   One key prefix per run, deleted afterwards. Calls per window: mean over the run, and the most in any 2 s.');
  print('   Utilisation: calls ÷ what the 50 calls/s ceiling allows from the first call to the last answer (goal: 4 workers');
  print('   ≥ 95 %). Identity calls: token requests of the whole cluster, connect and activate included.');
  const widths = [10, 6, 8, 10, 10, 11, 4, 4, 8, 8, 8];
  print(pad(['', 'calls', 'wall', 'calls per', 'most in', 'utilisation', '606', '615', 'identity', 'deliver', 'deliver'], widths));
  print(pad(['', '', '', 'window', 'a window', '', '', '', 'calls', 'p50', 'p99'], widths));
  for (const workers of [1, 2, 4]) {
    const r = await runCluster(workers, deliveries, workload);
    const problems = r.problems.rejected + r.problems.retryable > 0 ? ` — ${r.problems.rejected} rejected, ${r.problems.retryable} retryable!` : '';
    print(
      pad(
        [
          `${workers} worker${workers > 1 ? 's' : ''}`,
          r.calls,
          seconds(r.spanMs),
          (r.calls / (r.spanMs / LIMITS.windowMs)).toFixed(1),
          r.maxPerWindow,
          percent(r.utilisation),
          r.rateLimited,
          r.concurrencyLimited,
          r.tokenCalls,
          seconds(percentile(r.durations, 50)),
          seconds(percentile(r.durations, 99)),
        ],
        widths,
      ) + problems,
    );
  }
}
