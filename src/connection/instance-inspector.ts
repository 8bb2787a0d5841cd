import { inject, injectable } from 'inversify';
import type { CallMeter } from '../marketo/client.js';
import { LeadSchemaApi } from '../marketo/endpoints/lead-schema.js';
import { WorkspaceApi } from '../marketo/endpoints/workspaces.js';
import type { MarketoTarget } from '../marketo/target.js';
import type { InstanceSnapshot } from './instance.js';

/** Reads what discover and connect need to know about an instance, in parallel. */
@injectable()
export class InstanceInspector {
  constructor(
    @inject(LeadSchemaApi) private readonly leadSchema: LeadSchemaApi,
    @inject(WorkspaceApi) private readonly workspaces: WorkspaceApi,
  ) {}

  async inspect(target: MarketoTarget, meter?: CallMeter): Promise<InstanceSnapshot> {
    const [schema, partitions, workspaces] = await Promise.all([
      this.leadSchema.describe(target, meter),
      this.leadSchema.partitions(target, meter),
      this.workspaces.list(target, meter),
    ]);
    return { schema, partitions, workspaces };
  }
}
