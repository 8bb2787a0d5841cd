/**
 * The error catalogue. The four public classes of SPEC §6 keep their names (the `name` of each
 * instance equals its class name); every other failure the plugin raises is one of the classes
 * below, each with a stable `code`. No message built here ever contains a secret: callers pass
 * only names, codes and Marketo's own messages.
 */

export interface ValidationIssue {
  /** Stable machine-readable code, e.g. `UNKNOWN_PARTITION`. */
  code: string;
  /** A sentence a marketer understands: what is wrong and how to fix it. */
  message: string;
  /** Where the problem is: a settings field (`partition`) or a mapping (`mappings/2`). */
  path?: string;
}

abstract class DestinationError extends Error {
  abstract readonly code: string;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The Marketo client id/secret were refused by Marketo's identity service. */
export class AuthenticationError extends DestinationError {
  readonly code = 'AUTHENTICATION_FAILED';
}

/** Marketo answered `603 Access denied`: the API user lacks a permission (usually Edit Person). */
export class PermissionError extends DestinationError {
  readonly code = 'PERMISSION_DENIED';
  constructor(
    message = 'Marketo denied access (603). The API-only user needs the "Edit Person" permission ' +
      'in this instance and in the lead partition, and the call must come from an allowed IP address.',
    readonly marketoMessage?: string,
  ) {
    super(message);
  }
}

abstract class IssueListError extends DestinationError {
  constructor(
    summary: string,
    readonly issues: ValidationIssue[],
  ) {
    super(`${summary}:\n${issues.map((i) => `- [${i.code}]${i.path ? ` ${i.path}:` : ''} ${i.message}`).join('\n')}`);
  }
}

/** The destination settings are invalid; `issues` lists every problem at once. */
export class ConfigValidationError extends IssueListError {
  readonly code = 'INVALID_CONFIG';
  constructor(issues: ValidationIssue[]) {
    super(`The destination settings have ${issues.length} problem(s)`, issues);
  }
}

/** The activation (mappings, audiences, lists) is invalid; `issues` lists every problem at once. */
export class MappingValidationError extends IssueListError {
  readonly code = 'INVALID_ACTIVATION';
  constructor(issues: ValidationIssue[]) {
    super(`The activation has ${issues.length} problem(s)`, issues);
  }
}

/** A manifest or manifest extension does not satisfy the manifest rules. */
export class ManifestError extends IssueListError {
  readonly code = 'INVALID_MANIFEST';
  constructor(what: string, issues: ValidationIssue[]) {
    super(`${what} is invalid`, issues);
  }
}

export type InvalidRequestCode =
  | 'UNKNOWN_CONNECTION'
  | 'UNKNOWN_ACTIVATION'
  | 'TORN_DOWN'
  | 'MALFORMED_REQUEST';

/** The host called a hook wrongly (unknown id, torn down, malformed arguments). */
export class InvalidRequestError extends DestinationError {
  constructor(
    readonly code: InvalidRequestCode,
    message: string,
  ) {
    super(message);
  }
}

/** Marketo executed nothing and answered `success: false` with a request-level code. */
export class MarketoApiError extends DestinationError {
  readonly code = 'MARKETO_API_ERROR';
  constructor(
    readonly marketoCode: string,
    readonly marketoMessage: string,
    readonly operation: string,
    /** True when the plugin answered for Marketo without calling it (the quota is known to be gone). */
    readonly local = false,
    /** Marketo's id of the request, for its support. */
    readonly requestId?: string,
  ) {
    super(
      local
        ? `${marketoMessage} (${marketoCode}, not sent to Marketo)`
        : `Marketo refused ${operation}: ${marketoCode} ${marketoMessage}${requestId ? ` (requestId ${requestId})` : ''}`,
    );
  }
}

/**
 * Marketo could not be reached or answered with an HTTP error status. Built from the method,
 * the path (never the query string) and the status only: an axios error carries the request
 * headers and URL, which hold the token or credentials, so it is never rethrown as is; nor is
 * the response body kept (the identity service may echo what it was sent).
 */
export class MarketoTransportError extends DestinationError {
  readonly code = 'MARKETO_UNAVAILABLE';
  constructor(
    readonly operation: string,
    readonly httpStatus: number | undefined,
    readonly networkCode: string | undefined,
    detail: string,
  ) {
    super(`Marketo could not be reached for ${operation}: ${detail}`);
  }
}

/**
 * The shared state of cluster mode (Redis) did not answer: nothing was sent to Marketo without
 * the budget's and the write lock's consent. `deliver` reports the records `retryable` with
 * `STATE_UNAVAILABLE` instead; the other hooks reject with this error. Calls work again as
 * soon as Redis answers, without a restart.
 */
export class StateUnavailableError extends DestinationError {
  readonly code = 'STATE_UNAVAILABLE';
  constructor(detail: string) {
    super(`The shared state (Redis) is unavailable: ${detail}. Nothing was sent to Marketo; try again once Redis answers.`);
  }
}
