import http from 'node:http';
import https from 'node:https';
import axios, { AxiosError, type AxiosInstance } from 'axios';
import { injectable } from 'inversify';
import { MarketoTransportError } from '../errors.js';

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

export interface HttpRequest {
  method: HttpMethod;
  /** Absolute URL without query string. */
  url: string;
  query?: Record<string, string | number>;
  /** Sent as application/x-www-form-urlencoded. */
  form?: Record<string, string>;
  /** Sent as application/json. */
  json?: unknown;
  /** Sent as multipart/form-data (bulk import). */
  multipart?: FormData;
  headers?: Record<string, string>;
  /** The deadline of the whole attempt: connection, headers and body. */
  timeoutMs: number;
  /** `text` for answers that are not JSON (the CSV files of bulk import). */
  responseType?: 'json' | 'text';
  /** Short name of the call for errors and logs, e.g. `GET /rest/v1/leads.json`. */
  operation: string;
}

export interface HttpResponse {
  status: number;
  data: unknown;
}

/**
 * The last step of every Marketo call: one HTTP attempt, nothing more. It knows nothing of
 * limits, tokens or retries (the retry policy and the instance budget above it own those).
 * Tests may rebind it; nock drives the real one.
 */
export interface HttpTransport {
  send(request: HttpRequest): Promise<HttpResponse>;
  close(): void;
}

/** Marketo's answers are small; a larger one is a broken or hostile server (SPEC §7). */
export const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
/** Bulk import files stay under 10 MB; the multipart envelope adds a little. */
const MAX_REQUEST_BYTES = 11 * 1024 * 1024;

/** axios over keep-alive agents; every answer capped in size, every attempt bounded by a deadline. */
@injectable()
export class AxiosTransport implements HttpTransport {
  private readonly clients = new Map<string, AxiosInstance>();
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 32 });

  async send(request: HttpRequest): Promise<HttpResponse> {
    const url = new URL(request.url);
    try {
      const response = await this.clientFor(url.origin).request({
        method: request.method,
        url: url.pathname,
        params: request.query,
        data: request.form ? new URLSearchParams(request.form).toString() : (request.multipart ?? request.json),
        headers: {
          ...(request.form && { 'Content-Type': 'application/x-www-form-urlencoded' }),
          ...(request.json !== undefined && { 'Content-Type': 'application/json' }),
          ...request.headers,
        },
        responseType: request.responseType ?? 'json',
        // A deadline, not an idle timer: a body dripped byte by byte is cut off all the same.
        signal: AbortSignal.timeout(request.timeoutMs),
      });
      return { status: response.status, data: response.data as unknown };
    } catch (error) {
      throw toTransportError(request.operation, error, request.timeoutMs);
    }
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
    this.clients.clear();
  }

  private clientFor(origin: string): AxiosInstance {
    let client = this.clients.get(origin);
    if (!client) {
      client = axios.create({
        baseURL: origin,
        httpAgent: this.httpAgent,
        httpsAgent: this.httpsAgent,
        maxRedirects: 0,
        // Counted after decompression, so a gzip bomb is cut off at the cap too.
        maxContentLength: MAX_RESPONSE_BYTES,
        maxBodyLength: MAX_REQUEST_BYTES,
        headers: { Accept: 'application/json', 'Accept-Encoding': 'gzip' },
      });
      this.clients.set(origin, client);
    }
    return client;
  }
}

/** Rebuilds an axios error from safe parts only: the original carries headers and URL. */
function toTransportError(operation: string, error: unknown, timeoutMs: number): MarketoTransportError {
  if (error instanceof MarketoTransportError) return error;
  if (!(error instanceof AxiosError) && !axios.isCancel(error)) {
    return new MarketoTransportError(operation, undefined, undefined, 'unexpected client failure');
  }
  const axiosError = error as AxiosError;
  const status = axiosError.response?.status;
  // A 2xx here is not an error status: the answer broke off while its body was read (a reset).
  if (status !== undefined && (status < 200 || status >= 300)) return new MarketoTransportError(operation, status, undefined, `HTTP ${status}`);
  if (axios.isCancel(error) || axiosError.code === 'ECONNABORTED' || axiosError.code === 'ETIMEDOUT') {
    return new MarketoTransportError(operation, undefined, 'ETIMEDOUT', `no complete answer within ${timeoutMs} ms`);
  }
  if (axiosError.code === AxiosError.ERR_BAD_RESPONSE && /maxContentLength/.test(axiosError.message)) {
    return new MarketoTransportError(operation, undefined, 'RESPONSE_TOO_LARGE', `the answer was larger than ${MAX_RESPONSE_BYTES / 1024 / 1024} MB`);
  }
  return new MarketoTransportError(operation, undefined, axiosError.code, `network error ${axiosError.code ?? 'unknown'}`);
}
