import type { IncomingMessage, ServerResponse } from 'node:http';

/** A parsed request, whatever its encoding (query, JSON, form or multipart). */
export interface SandboxRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  json?: unknown;
  /** The body was declared JSON but does not parse. */
  invalidJson?: boolean;
  form?: URLSearchParams;
  files?: Map<string, string>;
  fields?: Map<string, string>;
}

export interface SandboxReply {
  status?: number;
  body: unknown;
  contentType?: string;
}

/** Marketo refuses REST bodies over 1 MB (413); bulk import takes files under 10 MB, plus the multipart framing. */
const MAX_REST_BODY_BYTES = 1024 * 1024;
const MAX_BULK_BODY_BYTES = 11 * 1024 * 1024;

export async function readRequest(req: IncomingMessage): Promise<SandboxRequest | { tooLarge: true }> {
  const url = new URL(req.url ?? '/', 'http://sandbox.local');
  const limit = url.pathname.startsWith('/bulk/') ? MAX_BULK_BODY_BYTES : MAX_REST_BODY_BYTES;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return { tooLarge: true };
    chunks.push(chunk as Buffer);
  }
  const raw = Buffer.concat(chunks).toString('utf8');
  const request: SandboxRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers };
  const type = contentType(request);
  if (raw.length > 0) {
    if (type === 'application/json') {
      try {
        request.json = JSON.parse(raw);
      } catch {
        request.invalidJson = true;
      }
    } else if (type === 'application/x-www-form-urlencoded') request.form = new URLSearchParams(raw);
    else if (type === 'multipart/form-data') Object.assign(request, parseMultipart(raw, String(req.headers['content-type'])));
  }
  return request;
}

/** The media type of the body, without parameters, lower case ('' when none was sent). */
export function contentType(request: Pick<SandboxRequest, 'headers'>): string {
  return String(request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Just enough multipart/form-data for Marketo's bulk import: text fields and one file. */
function parseMultipart(raw: string, header: string): { fields: Map<string, string>; files: Map<string, string> } {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(header);
  const fields = new Map<string, string>();
  const files = new Map<string, string>();
  if (!boundary) return { fields, files };
  const delimiter = `--${boundary[1] ?? boundary[2]}`;
  for (const part of raw.split(delimiter)) {
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd < 0) continue;
    const headers = part.slice(0, headerEnd);
    const body = part.slice(headerEnd + 4).replace(/\r\n$/, '');
    const name = /name="([^"]+)"/.exec(headers)?.[1];
    if (!name) continue;
    if (/filename="/.test(headers)) files.set(name, body);
    else fields.set(name, body);
  }
  return { fields, files };
}

export function send(res: ServerResponse, reply: SandboxReply): void {
  const body = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  res.writeHead(reply.status ?? 200, { 'Content-Type': reply.contentType ?? 'application/json;charset=UTF-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

let requestCounter = 0;

/** Marketo's request ids look like "4a1f#1743e2b74ed" (a counter and a hex timestamp); the sandbox marks its own. */
function requestId(): string {
  return `${(++requestCounter).toString(16)}#sbx`;
}

export function ok(result: unknown[], extra: Record<string, unknown> = {}): SandboxReply {
  return { body: { requestId: requestId(), result, success: true, ...extra } };
}

export function fail(code: string, message: string): SandboxReply {
  return { body: { requestId: requestId(), success: false, errors: [{ code, message }] } };
}

/** Asset API answers carry `errors` and `warnings` even when empty; no match is a success with a warning and no result. */
export function assetOk(result: unknown[]): SandboxReply {
  if (result.length === 0) return { body: { success: true, errors: [], requestId: requestId(), warnings: ['No assets found for the given search criteria.'] } };
  return { body: { success: true, errors: [], requestId: requestId(), warnings: [], result } };
}

/** The Marketo code of a reply that failed at request level, if it did. */
export function failureCode(reply: SandboxReply): string | undefined {
  const body = reply.body as { success?: boolean; errors?: Array<{ code?: string }> } | undefined;
  return body && typeof body === 'object' && body.success === false ? body.errors?.[0]?.code : undefined;
}

/** A request parameter from the query string or the form body (Marketo accepts both). */
export function param(request: SandboxRequest, name: string): string | undefined {
  return request.form?.get(name) ?? request.query.get(name) ?? request.fields?.get(name) ?? undefined;
}

/** Every value of a repeated parameter (`?id=1&id=2`), each also split at commas (`?id=1,2`). */
export function params(request: SandboxRequest, name: string): string[] {
  const values = [...(request.form?.getAll(name) ?? []), ...request.query.getAll(name)];
  return values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}
