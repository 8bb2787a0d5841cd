import { fail, param, type SandboxReply, type SandboxRequest } from './http.js';
import type { SandboxFault } from './options.js';
import type { SyncView } from './routes/sync.js';

/** What a handler may need beyond the request: the fault injected into this call, the create race's view. */
export interface CallContext {
  fault?: SandboxFault;
  view?: SyncView;
}

export type Handler = (request: SandboxRequest, match: RegExpExecArray, call: CallContext) => SandboxReply;

export interface Route {
  method: string;
  pattern: RegExp;
  /** A JSON endpoint: Marketo answers 612 unless the request says `Content-Type: application/json`. */
  json?: boolean;
  handle: Handler;
}

/**
 * The method a request stands for: Marketo reads `POST …?_method=GET` (query or form) as a GET,
 * the documented way around its 8 KB URI limit.
 */
export function effectiveMethod(request: SandboxRequest): string {
  return request.method === 'POST' && param(request, '_method') === 'GET' ? 'GET' : request.method;
}

/**
 * The route for a request, or Marketo's protocol answer: 610 for a path it does not know,
 * 605 for a method the path does not take (the text node-marketo-rest recorded). Both come as
 * envelopes with HTTP 200, as Marketo answers every response-level error.
 */
export function resolve(routes: Route[], request: SandboxRequest): { route: Route; match: RegExpExecArray } | SandboxReply {
  const method = effectiveMethod(request);
  const onPath = routes.filter((r) => r.pattern.test(request.path));
  if (onPath.length === 0) return fail('610', 'Requested resource not found');
  const route = onPath.find((r) => r.method === method);
  if (!route) return fail('605', `Request method '${request.method}' not supported`);
  return { route, match: route.pattern.exec(request.path)! };
}

/**
 * Marketo's checks of a JSON endpoint's body: a missing or other Content-Type is 612 even with
 * no body (client libraries had to add the header to body-less calls, dchesterton/marketo-rest-api
 * issues 12 and 14; node-marketo-rest sets it on its body-less DELETE); a body that does not
 * parse is 609.
 */
export function bodyProblem(route: Route, request: SandboxRequest, type: string): SandboxReply | undefined {
  if (!route.json || effectiveMethod(request) === 'GET') return undefined;
  if (type !== 'application/json') return fail('612', 'Invalid Content Type');
  if (request.invalidJson) return fail('609', 'Invalid JSON');
  return undefined;
}
