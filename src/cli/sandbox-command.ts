import { DEFAULT_SEED } from '../sandbox/seed.js';
import { SANDBOX_CREDENTIALS, startSandbox } from '../sandbox/server.js';
import type { SandboxSeed } from '../sandbox/model.js';
import { readJsonFile, UsageError, type Output } from './io.js';

export const SANDBOX_HELP = `Usage: marketo-destination sandbox [--port N] [--seed file.json]

Runs the local Marketo sandbox alone on 127.0.0.1 until interrupted (Ctrl-C).
  --port N        port to listen on (default: a free one)
  --seed file     JSON seed (fields, partitions, workspaces, folders, lists, leads) instead of the built-in one`;

export async function sandboxCommand(flags: { port?: string; seed?: string }, io: Output, signal: AbortSignal): Promise<number> {
  const port = flags.port === undefined ? 0 : Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, got ${flags.port}`);
  const seed = flags.seed ? (readJsonFile(flags.seed, 'seed') as SandboxSeed) : DEFAULT_SEED;
  const sandbox = await startSandbox({ port, seed });
  io.out(`Marketo sandbox listening on ${sandbox.url}`);
  io.out(`  client id: ${SANDBOX_CREDENTIALS.clientId}   client secret: ${SANDBOX_CREDENTIALS.clientSecret} (sandbox only)`);
  io.out(`  seeded: ${sandbox.store.leads.size} leads, ${sandbox.store.partitions.length} partitions, ${sandbox.store.workspaces.length} workspaces, ${sandbox.store.lists.size} static list(s)`);
  io.out(`  try: marketo-destination run --marketo-base-url ${sandbox.url} ...`);
  await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  await sandbox.stop();
  io.out(`Sandbox stopped after ${sandbox.stats.calls} REST call(s).`);
  return 0;
}
