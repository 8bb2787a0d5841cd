import 'reflect-metadata';
import { createRequire } from 'node:module';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DEMO_HELP, demoCommand } from './demo.js';
import { EXIT, exitCodeOf } from './exit-codes.js';
import { consoleOutput, UsageError, type Output } from './io.js';
import { RUN_HELP, runCommand, type RunDeps } from './run.js';
import { RUN_OPTIONS, type RunFlags } from './run-settings.js';
import { SANDBOX_HELP, sandboxCommand } from './sandbox-command.js';
import { VALIDATE_HELP, validateManifestCommand } from './validate-manifest.js';

const USAGE = `Usage: marketo-destination <command> [options]

Commands:
  demo                       run the four use cases against a local Marketo sandbox (npm start)
  run                        stream an NDJSON file of profiles into Marketo and write a report
  sandbox                    run the local Marketo sandbox alone
  validate-manifest [file]   validate the shipped manifest, or a manifest or extension file

Options:
  -h, --help                 show this help; "marketo-destination <command> --help" for a command's
  --version                  print the version`;

export type CliDeps = RunDeps & { signal?: AbortSignal };

type Values = Record<string, string | boolean | undefined>;

interface Command {
  help: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** How many positional arguments the command takes (none unless said). */
  positionals?: number;
  run(values: Values, positionals: string[], io: Output, deps: CliDeps): Promise<number> | number;
}

const COMMANDS: Record<string, Command> = {
  demo: { help: DEMO_HELP, options: {}, run: (_values, _positionals, io) => demoCommand(io) },
  run: { help: RUN_HELP, options: RUN_OPTIONS, run: (values, _positionals, io, deps) => runCommand(values as RunFlags, io, process.env, deps) },
  sandbox: {
    help: SANDBOX_HELP,
    options: { port: { type: 'string' }, seed: { type: 'string' } },
    run: (values, _positionals, io, deps) => sandboxCommand(values as { port?: string; seed?: string }, io, deps.signal ?? interrupted()),
  },
  'validate-manifest': { help: VALIDATE_HELP, options: {}, positionals: 1, run: (_values, [file], io) => validateManifestCommand(file, io.out) },
};

/** Runs one command line; returns the exit code (see EXIT). */
export async function main(argv: string[], io: Output = consoleOutput(), deps: CliDeps = {}): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === '--help' || name === '-h') return print(io, USAGE);
    if (name === 'help') return print(io, rest[0] !== undefined && Object.hasOwn(COMMANDS, rest[0]) ? COMMANDS[rest[0]]!.help : USAGE);
    if (name === '--version') return print(io, packageVersion());
    const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (!command) throw new UsageError(`Unknown command "${name}".\n\n${USAGE}`);
    const { values, positionals } = parseArgs({ args: rest, options: { ...command.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
    if (values.help) return print(io, command.help);
    const allowed = command.positionals ?? 0;
    if (positionals.length > allowed) throw new UsageError(`Unexpected argument "${positionals[allowed]}". See: marketo-destination ${name} --help`);
    return await command.run(values, positionals, io, deps);
  } catch (error) {
    const code = exitCodeOf(error);
    io.err(`error: ${describeFailure(error, code)}`);
    return code;
  }
}

function describeFailure(error: unknown, code: number): string {
  if (!(error instanceof Error)) return String(error);
  if (code === EXIT.stopped) return `${error.message}\nMarketo cannot take calls now; nothing was delivered and no report was written. Try again later.`;
  return code === EXIT.notDelivered ? `${error.name}: ${error.message}` : error.message;
}

/** Aborts on Ctrl-C or SIGTERM. */
function interrupted(): AbortSignal {
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  process.once('SIGTERM', () => controller.abort());
  return controller.signal;
}

/** The installed package's version, found through the package's own name (works from src/ and dist/). */
function packageVersion(): string {
  return (createRequire(import.meta.url)('marketo-engage-destination/package.json') as { version: string }).version;
}

function print(io: Output, text: string): number {
  io.out(text);
  return EXIT.ok;
}
