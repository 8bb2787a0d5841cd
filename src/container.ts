import { Container, ContainerModule } from 'inversify';
import { ActivationRegistry } from './activation/activations.js';
import { Activator } from './activation/activator.js';
import { MappingValidator } from './activation/mapping-validator.js';
import { StaticListResolver } from './activation/static-list-resolver.js';
import { ConnectionRegistry } from './connection/connections.js';
import { Connector } from './connection/connector.js';
import { InstanceInspector } from './connection/instance-inspector.js';
import { SettingsValidator } from './connection/settings-validator.js';
import { SettingsSchema } from './manifest/settings-schema.js';
import { DestinationEvents } from './events.js';
import type { DestinationManifest } from './manifest/types.js';
import { MarketoClient } from './marketo/client.js';
import { FolderApi } from './marketo/endpoints/folders.js';
import { LeadSchemaApi } from './marketo/endpoints/lead-schema.js';
import { StaticListApi } from './marketo/endpoints/static-lists.js';
import { LeadsApi } from './marketo/endpoints/leads.js';
import { ListMembershipApi } from './marketo/endpoints/list-membership.js';
import { Deliverer } from './delivery/deliverer.js';
import { ProfileIntake } from './delivery/intake.js';
import { Backfiller } from './backfill/backfiller.js';
import { LeadSync } from './delivery/lead-sync.js';
import { BulkImportApi } from './marketo/endpoints/bulk-import.js';
import { RestWrites } from './delivery/rest-writes.js';
import { WriteLocking } from './delivery/write-locking.js';
import { SharedCalls } from './marketo/shared-calls.js';
import { LeadMatcher } from './matching/lead-matcher.js';
import { WorkspaceApi } from './marketo/endpoints/workspaces.js';
import { TokenProvider } from './marketo/token-provider.js';
import { AxiosTransport } from './marketo/transport.js';
import { RetryPolicy } from './marketo/retry-policy.js';
import { createSharedState } from './state/create-shared-state.js';
import type { ResolvedOptions } from './options.js';
import { Lifecycle } from './plugin.js';
import { EventPublisher } from './support/event-publisher.js';
import { RedactingLogger, SecretRedactor } from './support/redaction.js';
import { TOKENS } from './tokens.js';
import type { Logger } from './types.js';

/** Host options, the manifest, the clock, logging and alerts. */
function coreModule(options: ResolvedOptions, manifest: DestinationManifest): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.Options).toConstantValue(options);
    bind(TOKENS.Manifest).toConstantValue(manifest);
    bind(SettingsSchema).toConstantValue(new SettingsSchema(manifest));
    bind(TOKENS.Clock).toConstantValue(options.now);
    bind(TOKENS.Sleep).toConstantValue(options.sleep);
    bind(SecretRedactor).toSelf().inSingletonScope();
    bind(TOKENS.Logger).to(RedactingLogger).inSingletonScope();
    bind(TOKENS.Events)
      .toDynamicValue((context) => {
        const logger = context.get<Logger>(TOKENS.Logger);
        return new DestinationEvents((event, error) => logger.error(`A listener of "${event}" failed; the plugin carries on`, { error }));
      })
      .inSingletonScope();
    bind(EventPublisher).toSelf().inSingletonScope();
    // One owner of everything shared with other plugin instances: process memory, or Redis.
    bind(TOKENS.SharedState)
      .toDynamicValue((context) => createSharedState(options, context.get<Logger>(TOKENS.Logger)))
      .inSingletonScope();
  });
}

/** The Marketo client: transport, tokens, the call pipeline and the endpoint modules. */
const marketoModule = new ContainerModule(({ bind }) => {
  bind(TOKENS.Transport).to(AxiosTransport).inSingletonScope();
  bind(TokenProvider).toSelf().inSingletonScope();
  bind(RetryPolicy).toSelf().inSingletonScope();
  bind(MarketoClient).toSelf().inSingletonScope();
  bind(LeadSchemaApi).toSelf().inSingletonScope();
  bind(FolderApi).toSelf().inSingletonScope();
  bind(WorkspaceApi).toSelf().inSingletonScope();
  bind(StaticListApi).toSelf().inSingletonScope();
  bind(LeadsApi).toSelf().inSingletonScope();
  bind(ListMembershipApi).toSelf().inSingletonScope();
  bind(SharedCalls).toSelf().inSingletonScope();
});

/** discover and connect: settings validation and the live connections. */
const connectionModule = new ContainerModule(({ bind }) => {
  bind(InstanceInspector).toSelf().inSingletonScope();
  bind(SettingsValidator).toSelf().inSingletonScope();
  bind(ConnectionRegistry).toSelf().inSingletonScope();
  bind(Connector).toSelf().inSingletonScope();
});

/** activate: mapping validation, audience lists, the live activations. */
const activationModule = new ContainerModule(({ bind }) => {
  bind(MappingValidator).toSelf().inSingletonScope();
  bind(StaticListResolver).toSelf().inSingletonScope();
  bind(ActivationRegistry).toSelf().inSingletonScope();
  bind(Activator).toSelf().inSingletonScope();
});

/** deliver and backfill: intake, write locks, matching, the plan and its REST or bulk writes, the report. */
const deliveryModule = new ContainerModule(({ bind }) => {
  bind(ProfileIntake).toSelf().inSingletonScope();
  bind(LeadMatcher).toSelf().inSingletonScope();
  bind(RestWrites).toSelf().inSingletonScope();
  bind(WriteLocking).toSelf().inSingletonScope();
  bind(LeadSync).toSelf().inSingletonScope();
  bind(BulkImportApi).toSelf().inSingletonScope();
  bind(Backfiller).toSelf().inSingletonScope();
  bind(Deliverer).toSelf().inSingletonScope();
});

/** The composition root: the only place that builds and resolves services. */
export function createContainer(options: ResolvedOptions, manifest: DestinationManifest): Container {
  const container = new Container();
  container.load(coreModule(options, manifest), marketoModule, connectionModule, activationModule, deliveryModule);
  container.bind(Lifecycle).toSelf().inSingletonScope();
  return container;
}
