import { SANDBOX_CREDENTIALS, startSandbox, type RunningSandbox, type SandboxOptions } from '../../src/sandbox/index.js';

export interface Answer {
  status: number;
  /** The JSON body, or the text when the answer is not JSON (bulk failure files). */
  body: any;
  contentType: string;
}

/** A sandbox on its own virtual clock, and a raw HTTP client that speaks to it like any Marketo client. */
export interface SandboxHttp {
  sandbox: RunningSandbox;
  clock: { at: number; advance(ms: number): void };
  token(): Promise<string>;
  call(path: string, init?: RequestInit & { token?: string | false }): Promise<Answer>;
  /** A JSON body with `Content-Type: application/json`. */
  json(method: string, path: string, body: unknown): Promise<Answer>;
  /** A form-encoded body, as the asset API takes it. */
  form(path: string, fields: Record<string, string>): Promise<Answer>;
  stop(): Promise<void>;
}

export async function openSandbox(options: SandboxOptions = {}, start = Date.parse('2026-11-20T15:00:00Z')): Promise<SandboxHttp> {
  const clock = { at: start, advance: (ms: number) => void (clock.at += ms) };
  const sandbox = await startSandbox({ now: () => clock.at, ...options });
  let current: string | undefined;
  const token = async () => {
    const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: SANDBOX_CREDENTIALS.clientId, client_secret: SANDBOX_CREDENTIALS.clientSecret });
    const res = await fetch(`${sandbox.url}/identity/oauth/token`, { method: 'POST', body });
    current = ((await res.json()) as { access_token: string }).access_token;
    return current;
  };
  const call = async (path: string, init: RequestInit & { token?: string | false } = {}): Promise<Answer> => {
    const headers = new Headers(init.headers);
    const bearer = init.token === undefined ? (current ?? (await token())) : init.token;
    if (bearer) headers.set('authorization', `Bearer ${bearer}`);
    const res = await fetch(`${sandbox.url}${path}`, { ...init, headers });
    const text = await res.text();
    const contentType = res.headers.get('content-type') ?? '';
    return { status: res.status, contentType, body: contentType.startsWith('application/json') ? JSON.parse(text) : text };
  };
  return {
    sandbox,
    clock,
    token,
    call,
    json: (method, path, body) => call(path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    form: (path, fields) => call(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() }),
    stop: () => sandbox.stop(),
  };
}

/** The Marketo code of a request-level failure, or 'ok'. */
export function outcome(answer: Answer): string {
  return answer.body.success ? 'ok' : answer.body.errors[0].code;
}

/** An envelope without its request id, which changes with every call. */
export function envelope(answer: Answer): unknown {
  const { requestId: _requestId, ...rest } = answer.body as Record<string, unknown>;
  return rest;
}
