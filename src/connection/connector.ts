import { randomUUID } from 'node:crypto';
import { inject, injectable } from 'inversify';
import { ConfigValidationError } from '../errors.js';
import { checkCredentials, marketoTarget } from '../marketo/target.js';
import type { ResolvedOptions } from '../options.js';
import { TOKENS } from '../tokens.js';
import type { ConnectRequest, ConnectResult, Credentials, DiscoverRequest, DiscoverResult } from '../types.js';
import { ConnectionRegistry } from './connections.js';
import { dedupeFieldChoices, toDiscoveredField, writableFields } from './instance.js';
import { InstanceInspector } from './instance-inspector.js';
import { SettingsValidator } from './settings-validator.js';

/** The discover and connect hooks. */
@injectable()
export class Connector {
  constructor(
    @inject(SettingsValidator) private readonly validator: SettingsValidator,
    @inject(InstanceInspector) private readonly inspector: InstanceInspector,
    @inject(ConnectionRegistry) private readonly connections: ConnectionRegistry,
    @inject(TOKENS.Options) private readonly options: ResolvedOptions,
  ) {}

  async discover(request: DiscoverRequest): Promise<DiscoverResult> {
    checkCredentials(request.credentials);
    const munchkinIssue = this.validator.munchkinIdIssue(request.munchkinId);
    if (munchkinIssue) throw new ConfigValidationError([munchkinIssue]);
    const target = marketoTarget(request.munchkinId, request.credentials as Credentials, this.options.marketoBaseUrl);
    const instance = await this.inspector.inspect(target);
    return {
      workspaces: instance.workspaces.map((w) => ({ id: w.id, name: w.name })),
      partitions: instance.partitions.map((p) => ({ ...p })),
      dedupeFields: dedupeFieldChoices(instance.schema).map(toDiscoveredField),
      fields: writableFields(instance.schema).map(toDiscoveredField),
    };
  }

  async connect(request: ConnectRequest): Promise<ConnectResult> {
    const validated = await this.validator.validate(request.credentials, request.config);
    const id = randomUUID();
    this.connections.add({ id, ...validated });
    return { connectionId: id, config: structuredClone(validated.config) };
  }
}
