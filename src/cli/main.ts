#!/usr/bin/env node
import 'reflect-metadata';
import { validateManifestCommand } from './validate-manifest.js';

const USAGE = `Usage: marketo-destination <command>

Commands:
  validate-manifest [file]   validate the shipped manifest, or a manifest or extension file
  help                       show this help`;

function main(argv: string[]): number {
  const [command, ...rest] = argv;
  switch (command) {
    case 'validate-manifest':
      return validateManifestCommand(rest[0], (line) => console.log(line));
    case undefined:
    case 'help':
    case '--help':
      console.log(USAGE);
      return 0;
    default:
      console.error(`Unknown command "${command}".\n\n${USAGE}`);
      return 2;
  }
}

process.exitCode = main(process.argv.slice(2));
