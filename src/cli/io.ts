import { readFileSync } from 'node:fs';

/** A problem the user can fix (missing file, bad JSON, bad option, missing credentials); exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Editors on Windows like to start UTF-8 files with a byte order mark; JSON.parse does not. */
export function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
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
    return JSON.parse(withoutBom(text)) as unknown;
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

/** stdout and stderr; a progress line on a terminal is cleared before any other line is written. */
export function consoleOutput(): Output {
  let progressShown = false;
  const clearProgress = () => {
    if (!progressShown) return;
    process.stderr.write('\r\x1b[2K');
    progressShown = false;
  };
  return {
    out: (line) => {
      clearProgress();
      process.stdout.write(`${line}\n`);
    },
    err: (line) => {
      clearProgress();
      process.stderr.write(`${line}\n`);
    },
    progress: (line) => {
      if (!process.stderr.isTTY) return;
      process.stderr.write(`\r\x1b[2K${line}`);
      progressShown = line !== '';
    },
  };
}
