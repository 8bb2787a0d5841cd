import type { PluginOptions, ProfileEvent, RecordResult } from '../../src/types.js';
import { startJsonLinesProcess, type JsonLinesProcess } from '../support/json-lines-process.js';

export interface WorkerJob {
  sandboxUrl: string;
  redis: NonNullable<PluginOptions['redis']>;
  limits?: PluginOptions['limits'];
  leadCache?: PluginOptions['leadCache'];
  config: Record<string, unknown>;
  audiences: Array<{ id: string; name: string }>;
  mappings: Array<{ source: string; target: string }>;
  deliveries: ProfileEvent[][];
  replays?: number;
  maxReplayWaitMs?: number;
  waitForGo?: boolean;
}

export interface WorkerLine {
  ready?: boolean;
  done?: boolean;
  round?: number;
  ms?: number;
  summary?: Record<string, number>;
  results?: RecordResult[];
}

export type Worker = JsonLinesProcess<WorkerLine>;

/** Starts a worker process (test/fixtures/cluster-worker.ts) with its job on stdin. */
export function startWorker(job: WorkerJob): Worker {
  return startJsonLinesProcess<WorkerLine>('test/fixtures/cluster-worker.ts', job);
}

/** Every final result a worker reported (the last round of each record). */
export function finalResults(worker: Worker): Map<string, RecordResult> {
  const final = new Map<string, RecordResult>();
  for (const line of worker.lines) for (const result of line.results ?? []) final.set(result.recordId, result);
  return final;
}
