import { inject, injectable } from 'inversify';
import { ActivationRegistry, type ActivationState } from './activation/activations.js';
import { Activator } from './activation/activator.js';
import { ConnectionRegistry } from './connection/connections.js';
import { Backfiller } from './backfill/backfiller.js';
import { Deliverer } from './delivery/deliverer.js';
import { Connector } from './connection/connector.js';
import { requireObject } from './request-shape.js';
import { AuthenticationError, PermissionError } from './errors.js';
import type { HttpTransport } from './marketo/transport.js';
import { SharedCalls } from './marketo/shared-calls.js';
import type { SharedState } from './state/shared-state.js';
import { EventPublisher } from './support/event-publisher.js';
import { SecretRedactor } from './support/redaction.js';
import { TOKENS } from './tokens.js';
import type {
  ActivateRequest,
  ActivateResult,
  BackfillReport,
  BackfillRequest,
  ConnectRequest,
  ConnectResult,
  Credentials,
  DeliverRequest,
  DeliveryReport,
  DiscoverRequest,
  DiscoverResult,
  TeardownRequest,
} from './types.js';

type Stage = 'discover' | 'connect' | 'activate' | 'deliver';

/**
 * The lifecycle hooks, a few lines each: every hook hands its work to one service, and every
 * error leaving the plugin passes through `guard` (auth alerts, secret scrubbing).
 */
@injectable()
export class Lifecycle {
  constructor(
    @inject(Connector) private readonly connector: Connector,
    @inject(Activator) private readonly activator: Activator,
    @inject(Deliverer) private readonly deliverer: Deliverer,
    @inject(Backfiller) private readonly backfiller: Backfiller,
    @inject(ConnectionRegistry) private readonly connections: ConnectionRegistry,
    @inject(ActivationRegistry) private readonly activations: ActivationRegistry,
    @inject(TOKENS.SharedState) private readonly state: SharedState,
    @inject(SharedCalls) private readonly sharedCalls: SharedCalls,
    @inject(TOKENS.Transport) private readonly transport: HttpTransport,
    @inject(EventPublisher) private readonly publisher: EventPublisher,
    @inject(SecretRedactor) private readonly redactor: SecretRedactor,
  ) {}

  discover(request: DiscoverRequest): Promise<DiscoverResult> {
    return this.guard('discover', request?.munchkinId, () => {
      requireObject(request, 'discover');
      return this.connector.discover(request);
    });
  }

  connect(request: ConnectRequest): Promise<ConnectResult> {
    const munchkinId = (request?.config as Record<string, unknown> | undefined)?.munchkinId;
    return this.guard('connect', munchkinId, () => {
      requireObject(request, 'connect');
      return this.connector.connect(request);
    });
  }

  activate(request: ActivateRequest): Promise<ActivateResult> {
    const munchkinId = this.connections.find(request?.connectionId)?.config.munchkinId;
    return this.guard('activate', munchkinId, () => {
      requireObject(request, 'activate');
      return this.activator.activate(request);
    });
  }

  /** Throws only for caller errors; everything else is in the report. */
  deliver(request: DeliverRequest): Promise<DeliveryReport> {
    try {
      requireObject(request, 'deliver');
      return this.deliverer.deliver(request);
    } catch (error) {
      return Promise.reject(this.redactor.scrubError(error));
    }
  }

  /** Like deliver: only caller errors reject; every profile gets its result through onResult. */
  backfill(request: BackfillRequest): Promise<BackfillReport> {
    try {
      requireObject(request, 'backfill');
      return this.backfiller.backfill(request);
    } catch (error) {
      return Promise.reject(this.redactor.scrubError(error));
    }
  }

  exportActivation(activationId: string): ActivationState {
    return this.redactor.redact(this.activator.exportActivation(activationId));
  }

  async restoreActivation(state: unknown, credentials: Credentials): Promise<ActivateResult> {
    return this.activator.restoreActivation(state, credentials);
  }

  /**
   * Activations end before their connection; a full teardown also frees sockets, Redis
   * connections and caches. Teardown begins when it is called: from then on a delivery on an
   * activation it covers is refused, while the deliveries in flight drain.
   */
  teardown(request: TeardownRequest = {}): Promise<void> {
    try {
      requireObject(request, 'teardown');
      const everything = request.connectionId === undefined && request.activationId === undefined;
      if (request.activationId !== undefined) this.activations.get(request.activationId);
      if (request.connectionId !== undefined) this.connections.get(request.connectionId);
      const ending = everything
        ? this.activations.ids()
        : [
            ...(request.activationId !== undefined ? [request.activationId] : []),
            ...(request.connectionId !== undefined ? this.activations.idsOfConnection(request.connectionId) : []),
          ];
      this.activations.end(ending);
      return this.finishTeardown(ending, everything ? this.connections.ids() : request.connectionId !== undefined ? [request.connectionId] : [], everything);
    } catch (error) {
      return Promise.reject(this.redactor.scrubError(error));
    }
  }

  /** Drains the deliveries in flight first, so no record is cut off mid-write. */
  private async finishTeardown(activationIds: string[], connectionIds: string[], everything: boolean): Promise<void> {
    await this.deliverer.drain(activationIds);
    for (const id of activationIds) {
      this.activations.remove(id);
      this.sharedCalls.forget(id);
    }
    for (const id of connectionIds) this.connections.remove(id);
    if (everything) {
      this.transport.close();
      await this.state.close();
    }
  }

  private async guard<T>(stage: Stage, munchkinId: unknown, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof AuthenticationError || error instanceof PermissionError) {
        this.publisher.emit('auth.failed', {
          message: error.message,
          munchkinId: typeof munchkinId === 'string' ? munchkinId : 'unknown',
          stage,
          kind: error instanceof AuthenticationError ? 'authentication' : 'permission',
        });
      }
      throw this.redactor.scrubError(error);
    }
  }
}
