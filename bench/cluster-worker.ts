/**
 * One worker process of the cluster section (adapted from test/fixtures/cluster-worker.ts, on the
 * compiled build): a plugin in cluster mode (Redis) that connects and activates, waits for the
 * parent's SIGUSR2, then streams its deliveries with `loops` concurrent loops. Prints one JSON
 * line when ready, one per delivery, one when its deliveries are done. Its job comes on stdin.
 */
import type { PluginOptions, ProfileEvent } from '../src/types.js';
import { createPlugin } from './dist.js';
import { connectAndActivate, stream } from './measure.js';

export interface WorkerJob {
  sandboxUrl: string;
  redis: NonNullable<PluginOptions['redis']>;
  limits: PluginOptions['limits'];
  audiences: Array<{ id: string; name: string }>;
  deliveries: ProfileEvent[][];
  loops: number;
}

export interface WorkerLine {
  ready?: true;
  ms?: number;
  summary?: { rejected: number; retryable: number };
  /** Epoch ms when the worker's last delivery was answered. */
  finished?: number;
}

let input = '';
for await (const chunk of process.stdin) input += String(chunk);
const job = JSON.parse(input) as WorkerJob;
const plugin = createPlugin({ marketoBaseUrl: job.sandboxUrl, redis: job.redis, limits: job.limits });
const print = (line: WorkerLine) => process.stdout.write(`${JSON.stringify(line)}\n`);

const activationId = await connectAndActivate(plugin, job.audiences);
const go = new Promise((resolve) => process.once('SIGUSR2', resolve));
print({ ready: true });
await go;
const run = await stream([{ plugin, activationId }], job.deliveries, job.loops);
for (const ms of run.durations) print({ ms });
print({ summary: run.summary, finished: run.end });
await plugin.teardown();
