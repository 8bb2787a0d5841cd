import { spawn, type ChildProcess } from 'node:child_process';

/** A child process that takes one JSON job on stdin and answers JSON lines on stdout. */
export interface JsonLinesProcess<Line> {
  process: ChildProcess;
  lines: Line[];
  /** Resolves once the process printed a line with `ready: true` (connected and activated). */
  ready: Promise<void>;
  /** Resolves with the exit code, or with the signal that ended the process. */
  exited: Promise<number | string>;
}

/**
 * Starts `script` (TypeScript, run through tsx) with `job` on its stdin. Used by the cluster
 * tests and the cluster benchmark, whose workers are real processes sharing a real Redis.
 */
export function startJsonLinesProcess<Line extends { ready?: boolean }>(script: string, job: unknown): JsonLinesProcess<Line> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: Line[] = [];
  let stderr = '';
  let buffered = '';
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout!.on('data', (data: Buffer) => {
    buffered += data.toString();
    let end;
    while ((end = buffered.indexOf('\n')) >= 0) {
      const line = JSON.parse(buffered.slice(0, end)) as Line;
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
