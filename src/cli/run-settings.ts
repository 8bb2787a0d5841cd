import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import type { AudienceSpec, Credentials, Mapping } from '../types.js';
import { credentialsFromEnv, readJsonFile, UsageError } from './io.js';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from './logger.js';

/** The options of `run` (parseArgs), -h/--help added by the command table. */
export const RUN_OPTIONS = {
  config: { type: 'string' },
  mappings: { type: 'string' },
  audiences: { type: 'string' },
  profiles: { type: 'string' },
  report: { type: 'string' },
  'batch-size': { type: 'string' },
  'marketo-base-url': { type: 'string' },
  'max-replays': { type: 'string' },
  'max-wait-ms': { type: 'string' },
  'max-unavailable-batches': { type: 'string' },
  'log-level': { type: 'string' },
  'log-format': { type: 'string' },
  'dry-run': { type: 'boolean' },
  bulk: { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

export type RunFlags = { [K in keyof typeof RUN_OPTIONS]?: (typeof RUN_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

/** Everything `run` needs, checked before any call to Marketo. */
export interface RunSettings {
  credentials: Credentials;
  config: Record<string, unknown>;
  mappings: Mapping[];
  audiences: AudienceSpec[];
  profilesPath: string;
  reportPath: string;
  /** Undefined: the manifest's recommendation. */
  batchSize: number | undefined;
  marketoBaseUrl: string | undefined;
  maxReplays: number;
  maxWaitMs: number;
  maxUnavailableBatches: number;
  logLevel: LogLevel;
  logFormat: LogFormat;
  /** Lookups only: the report and the summary say what a real run would do. */
  dryRun: boolean;
  /** Through Bulk Lead Import (an audience's first load), not in REST batches. */
  bulk: boolean;
}

export const RUN_DEFAULTS = { report: 'report.jsonl', maxReplays: 3, maxWaitMs: 60_000, maxUnavailableBatches: 3, logLevel: 'info', logFormat: 'text' } as const;

export function readRunSettings(flags: RunFlags, env: NodeJS.ProcessEnv, maxBatchSize: number): RunSettings {
  for (const flag of ['config', 'mappings', 'audiences', 'profiles'] as const) {
    if (!flags[flag]) throw new UsageError(`--${flag} is required. See: marketo-destination run --help`);
  }
  const settings: Omit<RunSettings, 'credentials' | 'config' | 'mappings' | 'audiences'> = {
    profilesPath: flags.profiles!,
    reportPath: flags.report ?? RUN_DEFAULTS.report,
    batchSize: flags['batch-size'] === undefined ? undefined : wholeNumber(flags['batch-size'], '--batch-size', 1, maxBatchSize),
    marketoBaseUrl: flags['marketo-base-url'] === undefined ? undefined : httpUrl(flags['marketo-base-url']),
    maxReplays: flags['max-replays'] === undefined ? RUN_DEFAULTS.maxReplays : wholeNumber(flags['max-replays'], '--max-replays', 0),
    maxWaitMs: flags['max-wait-ms'] === undefined ? RUN_DEFAULTS.maxWaitMs : wholeNumber(flags['max-wait-ms'], '--max-wait-ms', 0),
    maxUnavailableBatches:
      flags['max-unavailable-batches'] === undefined ? RUN_DEFAULTS.maxUnavailableBatches : wholeNumber(flags['max-unavailable-batches'], '--max-unavailable-batches', 1),
    logLevel: oneOf(flags['log-level'], '--log-level', LOG_LEVELS, RUN_DEFAULTS.logLevel),
    logFormat: oneOf(flags['log-format'], '--log-format', LOG_FORMATS, RUN_DEFAULTS.logFormat),
    dryRun: flags['dry-run'] === true,
    bulk: flags.bulk === true,
  };
  if (settings.dryRun && settings.bulk) throw new UsageError('--dry-run and --bulk do not go together: a dry run makes no import. Drop one of them.');
  checkProfilesFile(settings.profilesPath);
  checkReportPath(settings.reportPath);
  const credentials = credentialsFromEnv(env);
  const config = readJsonFile(flags.config!, 'settings');
  const mappings = readJsonFile(flags.mappings!, 'mappings');
  const audiences = readJsonFile(flags.audiences!, 'audiences');
  if (!config || typeof config !== 'object' || Array.isArray(config)) throw new UsageError(`The settings file ${flags.config} must hold a JSON object.`);
  if (!Array.isArray(mappings)) throw new UsageError(`The mappings file ${flags.mappings} must hold a JSON array of { "source", "target" }.`);
  if (!Array.isArray(audiences)) throw new UsageError(`The audiences file ${flags.audiences} must hold a JSON array of { "id", "name" }.`);
  return { ...settings, credentials, config: config as Record<string, unknown>, mappings: mappings as Mapping[], audiences: audiences as AudienceSpec[] };
}

function wholeNumber(value: string, flag: string, min: number, max?: number): number {
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || (max !== undefined && n > max)) {
    const range = max === undefined ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new UsageError(`${flag} must be a whole number ${range}, got "${value}".`);
  }
  return n;
}

function oneOf<T extends string>(value: string | undefined, flag: string, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value)) throw new UsageError(`${flag} must be one of ${choices.join(', ')}, got "${value}".`);
  return value as T;
}

function httpUrl(value: string): string {
  const url = URL.canParse(value) ? new URL(value) : undefined;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new UsageError(`--marketo-base-url must be an http(s) URL, got "${value}".`);
  return value;
}

function checkProfilesFile(path: string): void {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) throw new UsageError(`The profiles file ${path} does not exist.`);
  if (!stat.isFile()) throw new UsageError(`The profiles file ${path} is not a file.`);
}

/** Refused before connecting: a report that cannot be written would waste the whole run. */
function checkReportPath(path: string): void {
  const directory = dirname(resolve(path));
  const stat = statSync(directory, { throwIfNoEntry: false });
  if (!stat?.isDirectory()) throw new UsageError(`The report's directory ${directory} does not exist; create it or choose another --report path.`);
  if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`--report ${path} is a directory; give the path of a file.`);
  try {
    accessSync(directory, constants.W_OK);
  } catch {
    throw new UsageError(`Cannot write the report in ${directory}: permission denied.`);
  }
}
