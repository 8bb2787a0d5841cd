import { readFileSync } from 'node:fs';

/** A problem the user can fix (missing file, bad JSON, missing credentials); exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Reads and parses a JSON file, naming the file and the reason when it cannot. */
export function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `The ${what} file ${path} does not exist.` : `Cannot read the ${what} file ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`The ${what} file ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

export function credentialsFromEnv(env: NodeJS.ProcessEnv): { clientId: string; clientSecret: string } {
  const clientId = env.MARKETO_CLIENT_ID;
  const clientSecret = env.MARKETO_CLIENT_SECRET;
  const missing = [!clientId && 'MARKETO_CLIENT_ID', !clientSecret && 'MARKETO_CLIENT_SECRET'].filter(Boolean);
  if (missing.length > 0) {
    throw new UsageError(`Set ${missing.join(' and ')} to the Client ID and Client secret of a Marketo API-only user (Admin > LaunchPoint).`);
  }
  return { clientId: clientId!, clientSecret: clientSecret! };
}

export interface Output {
  out(line: string): void;
  err(line: string): void;
  /** Rewrites the current terminal line (progress); a no-op when not on a terminal. */
  progress(line: string): void;
}

export const consoleOutput: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  progress: (line) => {
    if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${line}`);
  },
};
