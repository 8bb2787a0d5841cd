import type { IncomingMessage, ServerResponse } from 'node:http';

/** A parsed request, whatever its encoding (query, JSON, form or multipart). */
export interface SandboxRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  json?: unknown;
  form?: URLSearchParams;
  files?: Map<string, string>;
  fields?: Map<string, string>;
}

export interface SandboxReply {
  status?: number;
  body: unknown;
  contentType?: string;
}

/** Marketo refuses REST bodies over 1 MB (413); bulk import takes files up to 10 MB. */
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
  const raw = Buffer.concat(chunks);
  const request: SandboxRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers };
  const type = req.headers['content-type'] ?? '';
  if (raw.length > 0) {
    if (type.startsWith('application/json')) request.json = JSON.parse(raw.toString('utf8'));
    else if (type.startsWith('application/x-www-form-urlencoded')) request.form = new URLSearchParams(raw.toString('utf8'));
    else if (type.startsWith('multipart/form-data')) Object.assign(request, parseMultipart(raw, type));
  }
  return request;
}

/** Just enough multipart/form-data for Marketo's bulk import: text fields and one file. */
function parseMultipart(raw: Buffer, contentType: string): { fields: Map<string, string>; files: Map<string, string> } {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  const fields = new Map<string, string>();
  const files = new Map<string, string>();
  if (!boundary) return { fields, files };
  const delimiter = `--${boundary[1] ?? boundary[2]}`;
  for (const part of raw.toString('utf8').split(delimiter)) {
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
  res.writeHead(reply.status ?? 200, { 'Content-Type': reply.contentType ?? 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

let requestCounter = 0;

export function ok(result: unknown[], extra: Record<string, unknown> = {}): SandboxReply {
  return { body: { requestId: `sbx#${(++requestCounter).toString(16)}`, success: true, result, ...extra } };
}

export function fail(code: string, message: string): SandboxReply {
  return { body: { requestId: `sbx#${(++requestCounter).toString(16)}`, success: false, errors: [{ code, message }] } };
}

/** A request parameter from the query string or the form body (Marketo accepts both). */
export function param(request: SandboxRequest, name: string): string | undefined {
  return request.form?.get(name) ?? request.query.get(name) ?? request.fields?.get(name) ?? undefined;
}
