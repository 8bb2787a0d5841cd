import { AuthenticationError, ConfigValidationError, MappingValidationError, MarketoApiError, MarketoTransportError, PermissionError } from '../errors.js';
import { UsageError } from './io.js';

/** The exit codes of marketo-destination, as its help and docs/cli.md give them. */
export const EXIT = {
  /** Every profile delivered or skipped. */
  ok: 0,
  /** Some profile rejected or still retryable; also any failure without a code of its own. */
  notDelivered: 1,
  /** A bad option, a missing or unreadable file, bad JSON, missing credentials. */
  usage: 2,
  /** The settings, mappings or credentials were refused, by the plugin or by Marketo. */
  refused: 3,
  /** Marketo unavailable or its daily quota used up: the run stopped early. */
  stopped: 4,
} as const;

/**
 * Marketo's request-level codes that mean "not now" rather than "not this": the rate and
 * concurrency limits, the daily quota and its transient failures (docs/troubleshooting.md).
 * They reach the CLI as errors only from connect and activate, after the plugin's retries.
 */
const NOT_NOW_CODES = new Set(['502', '604', '606', '607', '608', '611', '614', '615', '713', '719']);

/** The exit code of a command that ended with `error` thrown. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError || isParseArgsError(error)) return EXIT.usage;
  if (error instanceof ConfigValidationError || error instanceof MappingValidationError || error instanceof AuthenticationError || error instanceof PermissionError) {
    return EXIT.refused;
  }
  if (error instanceof MarketoTransportError || (error instanceof MarketoApiError && NOT_NOW_CODES.has(error.marketoCode))) return EXIT.stopped;
  // The plugin's shared-state store (Redis) not answering: matched by name, the class is the plugin's.
  if (error instanceof Error && error.name === 'StateUnavailableError') return EXIT.stopped;
  return EXIT.notDelivered;
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof TypeError && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}
