import { inject, injectable } from 'inversify';
import { MarketoApiError, MarketoTransportError, PermissionError } from '../errors.js';
import type { ResolvedOptions } from '../options.js';
import type { CallLease, InstanceBudget, SharedState } from '../state/shared-state.js';
import { EventPublisher } from '../support/event-publisher.js';
import { resumeAfterQuotaExhausted } from '../support/quota-clock.js';
import { TOKENS, type Clock } from '../tokens.js';
import { classifyFailure, countedByMarketo } from './classify.js';
import { decodeEnvelope, type Envelope } from './envelope.js';
import { RetryPolicy } from './retry-policy.js';
import type { MarketoTarget } from './target.js';
import { TokenProvider } from './token-provider.js';
import type { HttpMethod, HttpTransport } from './transport.js';

/** What counts the HTTP calls sent to Marketo for a unit of work (token calls excluded). */
export interface CallCounter {
  record(): void;
}

/** The calls of one delivery (or hook), for `summary.apiCalls`. */
export class CallMeter implements CallCounter {
  calls = 0;
  record(): void {
    this.calls++;
  }
}

export interface MarketoRequest {
  method: HttpMethod;
  /** Path below the instance's base URL: `/rest/...`, `/bulk/...` or `/userservice/...`. */
  path: string;
  query?: Record<string, string | number>;
  form?: Record<string, string>;
  json?: unknown;
  multipart?: () => FormData;
  /** Which of Marketo's documented timeouts applies (default: the 30 s one). */
  timeout?: 'syncLeads' | 'lookup';
  responseType?: 'json' | 'text';
  meter?: CallCounter;
  /**
   * Called once, when the first attempt has its budget slot and is about to be sent: a call
   * shared across deliveries stops taking records then (the request is read after it).
   */
  beforeFirstSend?: () => void;
}

/**
 * Every Marketo call goes through here, in this order: the retry policy (the one loop) →
 * a slot of the instance's budget → the access token → the transport → the envelope.
 */
@injectable()
export class MarketoClient {
  constructor(
    @inject(TOKENS.Transport) private readonly transport: HttpTransport,
    @inject(TokenProvider) private readonly tokens: TokenProvider,
    @inject(RetryPolicy) private readonly retry: RetryPolicy,
    @inject(TOKENS.SharedState) private readonly state: SharedState,
    @inject(TOKENS.Options) private readonly options: ResolvedOptions,
    @inject(TOKENS.Clock) private readonly now: Clock,
    @inject(EventPublisher) private readonly publisher: EventPublisher,
  ) {}

  /** The budget of the target's instance, shared by every caller of that instance. */
  budget(target: MarketoTarget): InstanceBudget {
    const { callsPerWindow, windowMs, maxConcurrent, dailyQuota } = this.options.limits;
    return this.state.budget(target.instanceKey, { callsPerWindow, windowMs, maxConcurrent, dailyQuota });
  }

  /** A call answered with Marketo's standard envelope. */
  call<T>(target: MarketoTarget, request: MarketoRequest): Promise<Envelope<T>> {
    return this.execute(target, request, (data, operation) => decodeEnvelope<T>(data, operation));
  }

  /** A call whose answer is not enveloped (User Management's bare array, bulk import's CSV files). */
  callBare(target: MarketoTarget, request: MarketoRequest): Promise<unknown> {
    return this.execute(target, request, (data, operation) => {
      if (data && typeof data === 'object' && !Array.isArray(data) && 'success' in data) decodeEnvelope(data, operation);
      return data;
    });
  }

  private execute<R>(target: MarketoTarget, request: MarketoRequest, decode: (data: unknown, operation: string) => R): Promise<R> {
    const budget = this.budget(target);
    let prepared = false;
    const prepare = () => {
      if (prepared) return;
      prepared = true;
      request.beforeFirstSend?.();
    };
    return this.retry.run(
      { instanceKey: target.instanceKey, operation: `${request.method} ${request.path}`, pauseInstance: (pauseMs, error) => this.throttled(target, budget, pauseMs, error) },
      (attemptNumber) => this.attempt(target, request, budget, prepare, attemptNumber, decode),
    );
  }

  /** One attempt: a budget slot, the token, one HTTP request, its envelope. */
  private async attempt<R>(
    target: MarketoTarget,
    request: MarketoRequest,
    budget: InstanceBudget,
    prepare: () => void,
    attemptNumber: number,
    decode: (data: unknown, operation: string) => R,
  ): Promise<R> {
    const lease: CallLease = await budget.acquire();
    let sent = false;
    let token: string | undefined;
    let failure: unknown;
    const startedAt = this.now();
    let status: number | undefined;
    let requestId: string | undefined;
    let operation = `${request.method} ${request.path}`;
    try {
      token = await this.tokens.accessToken(target);
      prepare();
      // A shared call builds its request when sealed: read it only now.
      operation = `${request.method} ${request.path}`;
      sent = true;
      request.meter?.record();
      const response = await this.transport.send({
        method: request.method,
        url: `${target.baseUrl}${request.path}`,
        ...(request.query && { query: request.query }),
        ...(request.form && { form: request.form }),
        ...(request.json !== undefined && { json: request.json }),
        ...(request.multipart && { multipart: request.multipart() }),
        ...(request.responseType && { responseType: request.responseType }),
        headers: { Authorization: `Bearer ${token}` },
        timeoutMs: this.options.timeouts[request.timeout ?? 'default'],
        operation,
      });
      status = response.status;
      requestId = requestIdOf(response.data);
      return decode(response.data, operation);
    } catch (error) {
      failure = error;
      throw await this.react(target, budget, error, token);
    } finally {
      lease.release(sent && countedByMarketo(failure));
      if (sent) this.report(target, operation, attemptNumber, startedAt, status, requestId, failure);
    }
  }

  /** What a failed attempt means for the instance (token, pause, quota) and for the caller. */
  private async react(target: MarketoTarget, budget: InstanceBudget, error: unknown, token: string | undefined): Promise<unknown> {
    const kind = classifyFailure(error);
    if (kind === 'refreshToken' && token !== undefined) await this.tokens.invalidate(target, token);
    if (kind === 'permission') return new PermissionError(undefined, error instanceof MarketoApiError ? error.marketoMessage : undefined);
    if (kind === 'quota' && error instanceof MarketoApiError && !error.local) {
      // A 607 the budget raised itself was announced when Marketo first said it.
      const resetsAt = resumeAfterQuotaExhausted(this.now());
      await budget.stopUntil(resetsAt);
      this.publisher.emit('quota.exhausted', {
        message: `The daily API quota of Marketo instance ${target.munchkinId} is used up; calls resume at ${new Date(resetsAt).toISOString()} (midnight US Central)`,
        munchkinId: target.munchkinId,
        resetsAt: new Date(resetsAt).toISOString(),
        retryAfterMs: resetsAt - this.now(),
      });
    }
    return error;
  }

  /** Another caller of the instance spent the budget: everyone pauses, the host is told. */
  private async throttled(target: MarketoTarget, budget: InstanceBudget, pauseMs: number, error: unknown): Promise<void> {
    await budget.pause(pauseMs);
    this.publisher.emit('rate.limited', {
      message: `Marketo instance ${target.munchkinId} is rate limited (${codeOf(error)}); calls pause for ${pauseMs} ms`,
      munchkinId: target.munchkinId,
      marketoCode: codeOf(error) ?? 'unknown',
      retryInMs: pauseMs,
    });
  }

  /** The per-call metrics event for hosts' monitoring (only built when someone listens). */
  private report(target: MarketoTarget, operation: string, attempt: number, startedAt: number, status: number | undefined, requestId: string | undefined, failure: unknown): void {
    if (!this.publisher.hasListeners('marketo.call')) return;
    const durationMs = this.now() - startedAt;
    const httpStatus = status ?? (failure instanceof MarketoTransportError ? failure.httpStatus : undefined);
    const marketoCode = failure instanceof MarketoApiError ? failure.marketoCode : undefined;
    const id = requestId ?? (failure instanceof MarketoApiError ? failure.requestId : undefined);
    const outcome = failure === undefined ? 'ok' : 'failed';
    this.publisher.emit('marketo.call', {
      message: `${operation} ${outcome}${marketoCode ? ` (${marketoCode})` : ''} in ${durationMs} ms`,
      munchkinId: target.munchkinId,
      operation,
      attempt,
      durationMs,
      outcome,
      ...(httpStatus !== undefined && { httpStatus }),
      ...(marketoCode !== undefined && { marketoCode }),
      ...(failure instanceof MarketoTransportError && failure.networkCode !== undefined && { networkCode: failure.networkCode }),
      ...(id !== undefined && { requestId: id }),
    });
  }
}

function requestIdOf(data: unknown): string | undefined {
  const id = data && typeof data === 'object' ? (data as { requestId?: unknown }).requestId : undefined;
  return typeof id === 'string' ? id : undefined;
}

function codeOf(error: unknown): string | undefined {
  if (error instanceof MarketoApiError) return error.marketoCode;
  if (error instanceof MarketoTransportError) return error.networkCode ?? String(error.httpStatus);
  return undefined;
}
