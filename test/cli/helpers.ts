import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Output } from '../../src/cli/io.js';
import { createLocalState } from '../../src/state/local/local-state.js';
import type { CliDeps } from '../../src/cli/main.js';
import { SANDBOX_CREDENTIALS, startSandbox, type RunningSandbox, type SandboxOptions } from '../../src/sandbox/server.js';
import { virtualTime } from '../support/marketo.js';

export interface Captured extends Output {
  stdout: string[];
  stderr: string[];
  progressLines: string[];
}

export function capture(): Captured {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const progressLines: string[] = [];
  return { stdout, stderr, progressLines, out: (l) => stdout.push(l), err: (l) => stderr.push(l), progress: (l) => progressLines.push(l) };
}

const ENV_KEYS = ['MARKETO_CLIENT_ID', 'MARKETO_CLIENT_SECRET'] as const;

export interface RunFixture {
  sandbox: RunningSandbox;
  dir: string;
  clock: ReturnType<typeof virtualTime>['clock'];
  /** Virtual time for the plugin, the CLI's waits and its clock; `waits` records every CLI wait. */
  deps: CliDeps & { waits: number[] };
  /** `run` with the fixture's files and sandbox, then `extra` (a later flag wins). */
  args(extra?: string[]): string[];
  writeProfiles(lines: string[]): void;
  report(): Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/** A sandbox on virtual time, credentials in the environment, and settings, mappings and audiences files. */
export async function runFixture(options: { sandbox?: SandboxOptions; settings?: Record<string, unknown> } = {}): Promise<RunFixture> {
  const time = virtualTime();
  const sandbox = await startSandbox({ now: time.now, ...options.sandbox });
  const dir = mkdtempSync(join(tmpdir(), 'mkto-run-'));
  const saved = Object.fromEntries(ENV_KEYS.map((key) => [key, process.env[key]]));
  process.env.MARKETO_CLIENT_ID = SANDBOX_CREDENTIALS.clientId;
  process.env.MARKETO_CLIENT_SECRET = SANDBOX_CREDENTIALS.clientSecret;
  const settings = { name: 'CLI', munchkinId: '123-ABC-456', syncType: 'audience_and_profile', personAction: 'update_and_create', dedupeField: 'email', ...options.settings };
  writeFileSync(join(dir, 'settings.json'), JSON.stringify(settings));
  writeFileSync(join(dir, 'mappings.json'), JSON.stringify([
    { source: 'identityMap.Email', target: 'identity:DedupeField' },
    { source: 'firstName', target: 'firstName' },
    { source: 'lastName', target: 'lastName' },
  ]));
  writeFileSync(join(dir, 'audiences.json'), JSON.stringify([{ id: 'aud-1', name: 'CLI audience' }]));
  const waits: number[] = [];
  const deps = {
    waits,
    now: time.now,
    sleep: async (ms: number) => {
      waits.push(ms);
      time.clock.advance(ms);
    },
    // Each run is a process of its own: its own shared state (budget, lead cache).
    get pluginOptions() {
      return { now: time.now, sleep: time.sleep, localState: createLocalState(), retry: { maxAttempts: 2, baseDelayMs: 0, maxDelayMs: 5 } };
    },
  };
  return {
    sandbox,
    dir,
    clock: time.clock,
    deps,
    args: (extra = []) => [
      'run', '--config', join(dir, 'settings.json'), '--mappings', join(dir, 'mappings.json'), '--audiences', join(dir, 'audiences.json'),
      '--profiles', join(dir, 'profiles.ndjson'), '--report', join(dir, 'report.jsonl'), '--marketo-base-url', sandbox.url, '--batch-size', '2', ...extra,
    ],
    writeProfiles: (lines) => writeFileSync(join(dir, 'profiles.ndjson'), lines.join('\n')),
    report: () => readFileSync(join(dir, 'report.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>),
    close: async () => {
      await sandbox.stop();
      rmSync(dir, { recursive: true, force: true });
      for (const key of ENV_KEYS) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
    },
  };
}

/** One NDJSON line: a profile in audience aud-1. */
export function profileLine(i: number, email: string, status: 'realized' | 'exited' = 'realized'): string {
  return JSON.stringify({ recordId: `r-${i}`, identityMap: { Email: [{ id: email }] }, attributes: { firstName: `F${i}`, lastName: `L${i}` }, segmentMembership: { ups: { 'aud-1': { status } } } });
}
