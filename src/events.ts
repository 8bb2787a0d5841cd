import { EventEmitter } from 'eventemitter3';

/** Every payload has a message and never a secret (SPEC §2.6). */
export interface EventBase {
  activationId?: string;
  connectionId?: string;
  message: string;
}

export interface RunCounts {
  received: number;
  delivered: number;
  skipped: number;
  rejected: number;
  retryable: number;
}

export interface DestinationEventMap {
  'run.started': [EventBase & { received: number }];
  'run.succeeded': [EventBase & RunCounts];
  'run.failed': [EventBase & RunCounts];
  'records.rejected': [EventBase & { count: number; codes: Record<string, number> }];
  'rate.limited': [EventBase & { munchkinId: string; marketoCode: string; retryInMs?: number }];
  'quota.exhausted': [EventBase & { munchkinId: string; resetsAt: string; retryAfterMs: number }];
  'auth.failed': [EventBase & { munchkinId: string; stage: 'discover' | 'connect' | 'activate' | 'deliver' | 'backfill'; kind: 'authentication' | 'permission' }];
  /** Metrics, not an alert: one per HTTP attempt sent to Marketo (REST and bulk; identity calls excluded). */
  'marketo.call': [EventBase & MarketoCallMetric];
}

export interface MarketoCallMetric {
  munchkinId: string;
  /** Method and path, e.g. `POST /rest/v1/leads.json`. */
  operation: string;
  /** 1 for the first attempt of a call, 2 for its first retry, … */
  attempt: number;
  durationMs: number;
  outcome: 'ok' | 'failed';
  httpStatus?: number;
  /** Marketo's request-level code of a failed call (e.g. `606`). */
  marketoCode?: string;
  /** For a call that got no answer: `ETIMEDOUT`, `ECONNRESET`, `RESPONSE_TOO_LARGE`, … */
  networkCode?: string;
  requestId?: string;
}

export type DestinationEventName = keyof DestinationEventMap;

type Listener = (...args: never[]) => unknown;

/**
 * The emitter hosts subscribe to as `plugin.events`. A listener can never change what the
 * plugin does: one that throws, or returns a promise that rejects, is reported to
 * `onListenerError` (the plugin's logger) and the others still get the event — so listeners
 * are wrapped when they are added, and found again by the original function when removed.
 */
export class DestinationEvents extends EventEmitter<DestinationEventMap> {
  private readonly wrappers = new WeakMap<Listener, Map<string | symbol, Listener>>();
  private readonly originals = new WeakMap<Listener, Listener>();

  constructor(private readonly onListenerError: (event: string, error: unknown) => void = () => {}) {
    super();
  }

  override on<T extends DestinationEventName>(event: T, fn: EventEmitter.EventListener<DestinationEventMap, T>, context?: unknown): this {
    return super.on(event, this.safe(event, fn as Listener) as typeof fn, context);
  }

  override addListener<T extends DestinationEventName>(event: T, fn: EventEmitter.EventListener<DestinationEventMap, T>, context?: unknown): this {
    return this.on(event, fn, context);
  }

  override once<T extends DestinationEventName>(event: T, fn: EventEmitter.EventListener<DestinationEventMap, T>, context?: unknown): this {
    return super.once(event, this.safe(event, fn as Listener) as typeof fn, context);
  }

  override removeListener<T extends DestinationEventName>(event: T, fn?: EventEmitter.EventListener<DestinationEventMap, T>, context?: unknown, once?: boolean): this {
    const wrapper = fn && this.wrappers.get(fn as Listener)?.get(event);
    return super.removeListener(event, (wrapper ?? fn) as typeof fn, context, once);
  }

  override off<T extends DestinationEventName>(event: T, fn?: EventEmitter.EventListener<DestinationEventMap, T>, context?: unknown, once?: boolean): this {
    return this.removeListener(event, fn, context, once);
  }

  override listeners<T extends DestinationEventName>(event: T): Array<EventEmitter.EventListener<DestinationEventMap, T>> {
    return super.listeners(event).map((fn) => (this.originals.get(fn as Listener) ?? fn) as typeof fn);
  }

  private safe(event: string, fn: Listener): Listener {
    const byEvent = this.wrappers.get(fn) ?? new Map<string | symbol, Listener>();
    let wrapper = byEvent.get(event);
    if (!wrapper) {
      const report = (error: unknown) => this.onListenerError(event, error);
      wrapper = function (this: unknown, ...args: never[]) {
        try {
          const result = fn.apply(this, args);
          if (result && typeof (result as PromiseLike<unknown>).then === 'function') (result as PromiseLike<unknown>).then(undefined, report);
        } catch (error) {
          report(error);
        }
      };
      byEvent.set(event, wrapper);
      this.wrappers.set(fn, byEvent);
      this.originals.set(wrapper, fn);
    }
    return wrapper;
  }
}
