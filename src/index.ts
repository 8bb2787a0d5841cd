import 'reflect-metadata';
import { createContainer } from './container.js';
import type { DestinationEvents } from './events.js';
import { extendManifest } from './manifest/extend.js';
import { loadShippedManifest } from './manifest/validate.js';
import type { DestinationManifest } from './manifest/types.js';
import { resolveOptions } from './options.js';
import { Lifecycle } from './plugin.js';
import { TOKENS } from './tokens.js';
import type { ActivationState } from './activation/activations.js';
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
  PluginOptions,
  TeardownRequest,
} from './types.js';

export interface MarketoDestinationPlugin {
  readonly manifest: DestinationManifest;
  readonly events: DestinationEvents;
  discover(request: DiscoverRequest): Promise<DiscoverResult>;
  connect(request: ConnectRequest): Promise<ConnectResult>;
  activate(request: ActivateRequest): Promise<ActivateResult>;
  deliver(request: DeliverRequest): Promise<DeliveryReport>;
  /**
   * An audience's first load through Bulk Lead Import (SPEC §8.3), in bounded memory. If
   * `profiles` throws part-way, every profile read before is still carried through to its
   * result, then the promise rejects with that error.
   */
  backfill(request: BackfillRequest): Promise<BackfillReport>;
  /** The activation as plain JSON without secrets, for the host to persist. */
  exportActivation(activationId: string): ActivationState;
  /** Resumes a persisted activation (no Marketo call, nothing created). */
  restoreActivation(state: unknown, credentials: Credentials): Promise<ActivateResult>;
  teardown(request?: TeardownRequest): Promise<void>;
}

/** Creates one plugin instance: its own container, connections and alerts. */
export function createPlugin(options: PluginOptions = {}): MarketoDestinationPlugin {
  const shipped = loadShippedManifest();
  const manifest = options.manifestExtension === undefined ? shipped : extendManifest(shipped, options.manifestExtension);
  const container = createContainer(resolveOptions(options), manifest);
  const lifecycle = container.get(Lifecycle);
  return Object.freeze({
    manifest,
    events: container.get<DestinationEvents>(TOKENS.Events),
    discover: (request: DiscoverRequest) => lifecycle.discover(request),
    connect: (request: ConnectRequest) => lifecycle.connect(request),
    activate: (request: ActivateRequest) => lifecycle.activate(request),
    deliver: (request: DeliverRequest) => lifecycle.deliver(request),
    backfill: (request: BackfillRequest) => lifecycle.backfill(request),
    exportActivation: (activationId: string) => lifecycle.exportActivation(activationId),
    restoreActivation: (state: unknown, credentials: Credentials) => lifecycle.restoreActivation(state, credentials),
    teardown: (request?: TeardownRequest) => lifecycle.teardown(request),
  });
}

export {
  AuthenticationError,
  ConfigValidationError,
  InvalidRequestError,
  ManifestError,
  MappingValidationError,
  MarketoApiError,
  MarketoTransportError,
  PermissionError,
  StateUnavailableError,
  type ValidationIssue,
} from './errors.js';
export { createLocalState, type LocalState } from './state/local/local-state.js';
export type { ActivationState } from './activation/activations.js';
export type { DestinationEventMap, DestinationEventName, DestinationEvents, MarketoCallMetric } from './events.js';
export { extendManifest } from './manifest/extend.js';
export { deriveSettingsSchema } from './manifest/settings-schema.js';
export type { DestinationManifest, FieldSpec, ManifestExtension } from './manifest/types.js';
export { loadShippedManifest, validateManifest } from './manifest/validate.js';
export type * from './types.js';
