import { inject, injectable } from 'inversify';
import { MarketoApiError, MarketoTransportError, PermissionError } from '../errors.js';
import type { ResolvedOptions } from '../options.js';
import { TOKENS, type Clock, type Sleep } from '../tokens.js';
import type { Logger } from '../types.js';
import { backoffDelay } from './backoff.js';
import { classifyFailure } from './classify.js';
import { decodeEnvelope, type Envelope } from './envelope.js';
import type { MarketoTarget } from './target.js';
import { InstanceLimiter, limiterFor } from './limiter.js';
import { TokenProvider } from './token-provider.js';
import { EventPublisher } from '../support/event-publisher.js';
import type { HttpMethod, HttpTransport } from './transport.js';

/** Counts the HTTP calls a unit of work made (token calls excluded), for `summary.apiCalls`. */
export class CallMeter {
  calls = 0;
}

export interface MarketoRequest {
  method: HttpMethod;
  /** Path below the instance's base URL: `/rest/...`, `/bulk/...` or `/userservice/...`. */
  path: string;
  query?: Record<string, string | number>;
  form?: Record<string, string>;
  json?: unknown;
  /** Which of Marketo's documented timeouts applies (default: the 30 s one). */
  timeout?: 'syncLeads' | 'lookup';
  meter?: CallMeter;
}

/**
 * Every Marketo call goes through here: token → transport → envelope, with the one retry
 * loop for Marketo's answers. Network failures and HTTP 5xx are retried inside the transport
 * (axios-retry) from the same attempt budget, so `retry.maxAttempts` bounds every attempt.
 */
@injectable()
export class MarketoClient {
  private readonly limiters = new Map<string, InstanceLimiter>();

  constructor(
    @inject(TOKENS.Transport) private readonly transport: HttpTransport,
    @inject(TokenProvider) private readonly tokens: TokenProvider,
    @inject(TOKENS.Options) private readonly options: ResolvedOptions,
    @inject(TOKENS.Clock) private readonly now: Clock,
    @inject(TOKENS.Sleep) private readonly sleep: Sleep,
    @inject(TOKENS.Logger) private readonly logger: Logger,
    @inject(EventPublisher) private readonly publisher: EventPublisher,
  ) {}

  /** The process-wide budget of the target's instance. */
  limiter(target: MarketoTarget): InstanceLimiter {
    const key = `${target.baseUrl}|${target.munchkinId}`;
    let limiter = this.limiters.get(key);
    if (!limiter) {
      const { callsPerWindow, windowMs, maxConcurrent, dailyQuota } = this.options.limits;
      limiter = limiterFor(target.munchkinId, target.baseUrl, { callsPerWindow, windowMs, maxConcurrent, dailyQuota }, this.now, this.sleep);
      this.limiters.set(key, limiter);
    }
    return limiter;
  }

  /** A call answered with Marketo's standard envelope. */
  call<T>(target: MarketoTarget, request: MarketoRequest): Promise<Envelope<T>> {
    return this.execute(target, request, (data, operation) => decodeEnvelope<T>(data, operation));
  }

  /** A call whose answer is not enveloped (the User Management API answers with a bare array). */
  callBare(target: MarketoTarget, request: MarketoRequest): Promise<unknown> {
    return this.execute(target, request, (data, operation) => {
      if (data && typeof data === 'object' && !Array.isArray(data) && 'success' in data) decodeEnvelope(data, operation);
      return data;
    });
  }

  private async execute<R>(target: MarketoTarget, request: MarketoRequest, decode: (data: unknown, operation: string) => R): Promise<R> {
    const operation = `${request.method} ${request.path}`;
    const { maxAttempts, baseDelayMs, maxDelayMs } = this.options.retry;
    let attempts = 0;
    let tokenRefreshed = false;
    for (;;) {
      const token = await this.tokens.accessToken(target);
      try {
        const response = await this.send(target, request, token, operation, maxAttempts - attempts - 1, (n) => (attempts += n));
        return decode(response, operation);
      } catch (error) {
        const kind = classifyFailure(error);
        if (kind === 'refreshToken' && !tokenRefreshed) {
          tokenRefreshed = true;
          this.tokens.invalidate(target, token);
          continue;
        }
        if (kind === 'permission') {
          throw new PermissionError(undefined, error instanceof MarketoApiError ? error.marketoMessage : undefined);
        }
        if (kind === 'quota') {
          this.quotaExhausted(target, error);
          throw error;
        }
        if (kind === 'throttled') this.throttled(target, error, attempts);
        // Network errors and 5xx already used their share of attempts inside the transport.
        const transportRetried = error instanceof MarketoTransportError;
        if ((kind === 'retry' || kind === 'throttled') && !transportRetried && attempts < maxAttempts) {
          const delay = backoffDelay(attempts, baseDelayMs, maxDelayMs);
          this.logger.debug('Marketo call failed transiently; retrying', { operation, code: codeOf(error), attempts, delayMs: delay });
          await this.sleep(delay);
          continue;
        }
        throw error;
      }
    }
  }

  /** Another caller of the instance spent the budget: everyone slows down, the host is told. */
  private throttled(target: MarketoTarget, error: unknown, attempts: number): void {
    const pauseMs = backoffDelay(attempts + 1, Math.max(this.options.retry.baseDelayMs, 1000), this.options.limits.windowMs);
    this.limiter(target).throttled(pauseMs);
    this.publisher.emit('rate.limited', {
      message: `Marketo instance ${target.munchkinId} is rate limited (${codeOf(error)}); calls pause for ${pauseMs} ms`,
      munchkinId: target.munchkinId,
      marketoCode: codeOf(error) ?? 'unknown',
      retryInMs: pauseMs,
    });
  }

  private quotaExhausted(target: MarketoTarget, error: unknown): void {
    // A 607 the limiter raised itself was announced when Marketo first said it.
    if (error instanceof MarketoApiError && error.local) return;
    const resetsAt = this.limiter(target).quotaExhausted();
    this.publisher.emit('quota.exhausted', {
      message: `The daily API quota of Marketo instance ${target.munchkinId} is used up; calls resume at ${new Date(resetsAt).toISOString()} (midnight US Central)`,
      munchkinId: target.munchkinId,
      resetsAt: new Date(resetsAt).toISOString(),
      retryAfterMs: resetsAt - this.now(),
    });
  }

  private async send(
    target: MarketoTarget,
    request: MarketoRequest,
    token: string,
    operation: string,
    networkRetries: number,
    countAttempts: (n: number) => void,
  ): Promise<unknown> {
    try {
      const response = await this.transport.send({
        method: request.method,
        url: `${target.baseUrl}${request.path}`,
        ...(request.query && { query: request.query }),
        ...(request.form && { form: request.form }),
        ...(request.json !== undefined && { json: request.json }),
        headers: { Authorization: `Bearer ${token}` },
        timeoutMs: this.options.timeouts[request.timeout ?? 'default'],
        networkRetries: Math.max(0, networkRetries),
        operation,
        slots: this.limiter(target),
      });
      countAttempts(response.attempts);
      if (request.meter) request.meter.calls += response.attempts;
      return response.data;
    } catch (error) {
      const made = error instanceof MarketoApiError && error.local ? 0 : error instanceof MarketoTransportError ? error.attempts : 1;
      countAttempts(made);
      if (request.meter) request.meter.calls += made;
      throw error;
    }
  }
}

function codeOf(error: unknown): string | undefined {
  if (error instanceof MarketoApiError) return error.marketoCode;
  if (error instanceof MarketoTransportError) return error.networkCode ?? String(error.httpStatus);
  return undefined;
}
