import http from 'node:http';
import https from 'node:https';
import axios, { AxiosError, type AxiosInstance, type AxiosRequestConfig } from 'axios';
import axiosRetry, { isNetworkError } from 'axios-retry';
import { inject, injectable } from 'inversify';
import { MarketoApiError, MarketoTransportError } from '../errors.js';
import type { ResolvedOptions } from '../options.js';
import { TOKENS } from '../tokens.js';
import { backoffDelay } from './backoff.js';

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
  headers?: Record<string, string>;
  timeoutMs: number;
  /** Network-level retries allowed for this request (axios-retry); 0 disables them. */
  networkRetries: number;
  /** Short name of the call for errors and logs, e.g. `GET /rest/v1/leads.json`. */
  operation: string;
  /** Budget every HTTP attempt (network retries included) must take a slot from. */
  slots?: CallSlots;
}

/** What the transport needs of a rate limiter: a slot per HTTP attempt, given back on the answer. */
export interface CallSlots {
  acquire(): Promise<object>;
  release(slot: object): void;
}

declare module 'axios' {
  interface AxiosRequestConfig {
    slots?: CallSlots;
    slotHeld?: object;
  }
}

export interface HttpResponse {
  status: number;
  data: unknown;
  /** HTTP attempts this request took, network retries included. */
  attempts: number;
}

/** The last step of every Marketo call; tests may rebind it, but nock drives the real one. */
export interface HttpTransport {
  send(request: HttpRequest): Promise<HttpResponse>;
  close(): void;
}

/**
 * axios with axios-retry: the network-level retry (connection errors, timeouts, HTTP 5xx) with
 * exponential backoff and full jitter. Marketo's own envelope codes are classified above this,
 * and the caller hands each request the share of the attempt budget that is left, so the two
 * never multiply. Retrying POSTs here is safe for this plugin: creates are `createOnly` (a
 * replay answers 1005, handled by looking the lead up), list membership and updates by id are
 * idempotent, and asset creation treats "already exists" as found.
 */
@injectable()
export class AxiosTransport implements HttpTransport {
  private readonly clients = new Map<string, AxiosInstance>();
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 16 });

  constructor(@inject(TOKENS.Options) private readonly options: ResolvedOptions) {}

  async send(request: HttpRequest): Promise<HttpResponse> {
    const url = new URL(request.url);
    const client = this.clientFor(url.origin);
    try {
      const response = await client.request({
        method: request.method,
        url: url.pathname,
        params: request.query,
        data: request.form ? new URLSearchParams(request.form).toString() : request.json,
        headers: {
          ...(request.form && { 'Content-Type': 'application/x-www-form-urlencoded' }),
          ...(request.json !== undefined && { 'Content-Type': 'application/json' }),
          ...request.headers,
        },
        timeout: request.timeoutMs,
        'axios-retry': { retries: request.networkRetries },
        ...(request.slots && { slots: request.slots }),
      });
      return { status: response.status, data: response.data as unknown, attempts: attemptsOf(response.config) };
    } catch (error) {
      if (error instanceof MarketoApiError) throw error; // the limiter refused the call (607) before it was sent
      throw toTransportError(request.operation, error, attemptsOf(error instanceof AxiosError ? error.config : undefined));
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
        headers: { Accept: 'application/json', 'Accept-Encoding': 'gzip' },
      });
      // Every attempt, a network retry too, takes a slot of the instance's budget. These run
      // before axios-retry's handlers, so a slot is released before a retry asks for another.
      client.interceptors.request.use(async (config) => {
        if (config.slots) config.slotHeld = await config.slots.acquire();
        return config;
      });
      const releaseSlot = (config: AxiosRequestConfig | undefined) => {
        if (config?.slotHeld) {
          config.slots!.release(config.slotHeld);
          delete config.slotHeld;
        }
      };
      client.interceptors.response.use(
        (response) => {
          releaseSlot(response.config);
          return response;
        },
        (error: unknown) => {
          if (error instanceof AxiosError) releaseSlot(error.config);
          throw error;
        },
      );
      const { baseDelayMs, maxDelayMs } = this.options.retry;
      axiosRetry(client, {
        retryCondition: isTransientHttpError,
        retryDelay: (retryCount) => backoffDelay(retryCount, baseDelayMs, maxDelayMs),
        shouldResetTimeout: true,
      });
      this.clients.set(origin, client);
    }
    return client;
  }
}

/** axios-retry keeps its retry count on the request config it reissues. */
function attemptsOf(config: AxiosRequestConfig | undefined): number {
  return (config?.['axios-retry']?.retryCount ?? 0) + 1;
}

function isTransientHttpError(error: AxiosError): boolean {
  if (!(error instanceof AxiosError)) return false;
  if (error.response) return error.response.status >= 500;
  return isNetworkError(error) || error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT';
}

/** Rebuilds an axios error from safe parts only: the original carries headers and URL. */
function toTransportError(operation: string, error: unknown, attempts: number): MarketoTransportError {
  if (error instanceof AxiosError) {
    const status = error.response?.status;
    const detail = status !== undefined
      ? `HTTP ${status}`
      : error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT' ? 'the request timed out' : `network error ${error.code ?? 'unknown'}`;
    const transportError = new MarketoTransportError(operation, status, error.code, `${detail} after ${attempts} attempt(s)`);
    transportError.responseData = error.response?.data;
    transportError.attempts = attempts;
    return transportError;
  }
  const transportError = new MarketoTransportError(operation, undefined, undefined, 'unexpected client failure');
  transportError.attempts = attempts;
  return transportError;
}
