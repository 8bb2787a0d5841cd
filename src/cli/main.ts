import 'reflect-metadata';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { ConfigValidationError, MappingValidationError } from '../errors.js';
import { DEMO_HELP, demoCommand } from './demo.js';
import { consoleOutput, UsageError, type Output } from './io.js';
import { RUN_HELP, runCommand, type RunDeps } from './run.js';
import { SANDBOX_HELP, sandboxCommand } from './sandbox-command.js';
import { validateManifestCommand } from './validate-manifest.js';

const USAGE = `Usage: marketo-destination <command> [options]

Commands:
  demo                       run the four use cases against a local Marketo sandbox (npm start)
  run                        stream an NDJSON file of profiles into Marketo and write a report
  sandbox                    run the local Marketo sandbox alone
  validate-manifest [file]   validate the shipped manifest, or a manifest or extension file

Run "marketo-destination <command> --help" for a command's options.`;

const VALIDATE_HELP = `Usage: marketo-destination validate-manifest [file]

Validates the shipped manifest, or FILE: a whole manifest (it has "manifestVersion") or an
extension of the shipped one. Prints every problem with its JSON pointer; exit code 1 if any.`;

export async function main(argv: string[], io: Output = consoleOutput, deps: RunDeps & { signal?: AbortSignal } = {}): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'demo': {
        if (rest.includes('--help')) return help(io, DEMO_HELP);
        return await demoCommand(io);
      }
      case 'run': {
        const { values } = parseArgs({
          args: rest,
          options: {
            help: { type: 'boolean' },
            config: { type: 'string' },
            mappings: { type: 'string' },
            audiences: { type: 'string' },
            profiles: { type: 'string' },
            report: { type: 'string' },
            'batch-size': { type: 'string' },
            'marketo-base-url': { type: 'string' },
            'max-replays': { type: 'string' },
            'max-wait-ms': { type: 'string' },
          },
        });
        if (values.help) return help(io, RUN_HELP);
        return await runCommand(values, io, process.env, deps);
      }
      case 'sandbox': {
        const { values } = parseArgs({ args: rest, options: { help: { type: 'boolean' }, port: { type: 'string' }, seed: { type: 'string' } } });
        if (values.help) return help(io, SANDBOX_HELP);
        const controller = new AbortController();
        process.once('SIGINT', () => controller.abort());
        process.once('SIGTERM', () => controller.abort());
        return await sandboxCommand(values, io, deps.signal ?? controller.signal);
      }
      case 'validate-manifest': {
        if (rest.includes('--help')) return help(io, VALIDATE_HELP);
        return validateManifestCommand(rest[0], io.out);
      }
      case '--version':
        io.out(packageVersion());
        return 0;
      case undefined:
      case 'help':
      case '--help':
        return help(io, USAGE);
      default:
        io.err(`Unknown command "${command}".\n\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof UsageError || (error instanceof TypeError && /Unknown option|requires an argument|Unexpected argument/.test(error.message))) {
      io.err(`error: ${error.message}`);
      return 2;
    }
    if (error instanceof ConfigValidationError || error instanceof MappingValidationError) {
      io.err(`error: ${error.message}`);
      return 1;
    }
    io.err(`error: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    return 1;
  }
}

/** The installed package's version, found through the package's own name (works from src/ and dist/). */
function packageVersion(): string {
  return (createRequire(import.meta.url)('marketo-engage-destination/package.json') as { version: string }).version;
}

function help(io: Output, text: string): number {
  io.out(text);
  return 0;
}
