import { spawn, type ChildProcess } from 'node:child_process';
import type { PluginOptions, ProfileEvent, RecordResult } from '../../src/types.js';

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

export interface Worker {
  process: ChildProcess;
  lines: WorkerLine[];
  /** Resolves once the worker printed its first line (connected and activated). */
  ready: Promise<void>;
  /** Resolves with the exit code (or signal) once the process ended. */
  exited: Promise<number | string>;
}

/** Starts a worker process (test/fixtures/cluster-worker.ts) with its job on stdin. */
export function startWorker(job: WorkerJob): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/cluster-worker.ts'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: WorkerLine[] = [];
  let stderr = '';
  let buffered = '';
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout!.on('data', (data: Buffer) => {
    buffered += data.toString();
    let end;
    while ((end = buffered.indexOf('\n')) >= 0) {
      const line = JSON.parse(buffered.slice(0, end)) as WorkerLine;
      buffered = buffered.slice(end + 1);
      lines.push(line);
      if (line.ready) markReady();
    }
  });
  child.stderr!.on('data', (data: Buffer) => (stderr += data.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => {
      if (code !== 0 && signal === null) process.stderr.write(`worker ${child.pid} exited ${code}: ${stderr}\n`);
      resolve(signal ?? code ?? -1);
    }),
  );
  child.stdin!.end(JSON.stringify(job));
  return { process: child, lines, ready, exited };
}

/** Every final result a worker reported (the last round of each record). */
export function finalResults(worker: Worker): Map<string, RecordResult> {
  const final = new Map<string, RecordResult>();
  for (const line of worker.lines) for (const result of line.results ?? []) final.set(result.recordId, result);
  return final;
}
