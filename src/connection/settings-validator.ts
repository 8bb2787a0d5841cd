import { inject, injectable } from 'inversify';
import { ConfigValidationError, type ValidationIssue } from '../errors.js';
import { issueCodeFor, SettingsSchema } from '../manifest/settings-schema.js';
import { scalarProblem } from '../manifest/validate.js';
import type { Workspace } from '../marketo/endpoints/workspaces.js';
import type { DestinationManifest, FieldSpec } from '../manifest/types.js';
import { checkCredentials, marketoTarget, MUNCHKIN_ID, type MarketoTarget } from '../marketo/target.js';
import type { ResolvedOptions } from '../options.js';
import { TOKENS } from '../tokens.js';
import type { DestinationConfig } from '../types.js';
import { dedupeFieldChoices, type InstanceSnapshot } from './instance.js';
import { InstanceInspector } from './instance-inspector.js';

export interface ValidatedSettings {
  config: DestinationConfig;
  target: MarketoTarget;
  instance: InstanceSnapshot;
  /** The name of the configured workspace: Marketo's folder API addresses workspaces by name. */
  workspaceName: string;
}

const DEFAULT_WORKSPACE = 'Default';

/**
 * Validates a tenant's settings twice: against the schema derived from the manifest, then
 * against the instance itself (the partition exists, the dedupe field is one, the workspace
 * exists). Every problem is collected and thrown at once as a ConfigValidationError.
 */
@injectable()
export class SettingsValidator {
  private readonly fields: Map<string, FieldSpec>;

  constructor(
    @inject(TOKENS.Manifest) private readonly manifest: DestinationManifest,
    @inject(SettingsSchema) private readonly schema: SettingsSchema,
    @inject(InstanceInspector) private readonly inspector: InstanceInspector,
    @inject(TOKENS.Options) private readonly options: ResolvedOptions,
  ) {
    this.fields = new Map(manifest.settings.map((f) => [f.name, f]));
  }

  async validate(credentials: unknown, rawConfig: unknown): Promise<ValidatedSettings> {
    checkCredentials(credentials);
    const checked = this.schema.check(rawConfig);
    const issues = [...checked.issues];
    const config = checked.config;
    const munchkinId = config.munchkinId;
    if (typeof munchkinId !== 'string' || !MUNCHKIN_ID.test(munchkinId)) {
      // Without a valid instance id the instance cannot be asked anything.
      throw new ConfigValidationError(issues);
    }
    const target = marketoTarget(munchkinId, credentials, this.options.marketoBaseUrl);
    const instance = await this.inspector.inspect(target);
    issues.push(...this.instanceIssues(config, instance, new Set(issues.map((i) => i.path))));
    if (issues.length > 0) throw new ConfigValidationError(issues);
    const workspace = resolveWorkspace(config, instance);
    return { config: config as DestinationConfig, target, instance, workspaceName: workspace.name };
  }

  /** The Munchkin id problem of a bare id (discover), worded as the manifest's field declares it. */
  munchkinIdIssue(munchkinId: unknown): ValidationIssue | undefined {
    const field = this.fields.get('munchkinId')!;
    const problem = scalarProblem(field, munchkinId);
    if (!problem && MUNCHKIN_ID.test(String(munchkinId))) return undefined;
    return {
      code: issueCodeFor(field, 'pattern'),
      path: 'munchkinId',
      message: `"${field.label}" has the wrong format (got ${JSON.stringify(munchkinId)}): it must look like ${field.placeholder ?? field.pattern}.`,
    };
  }

  /** Reports settings the instance does not know. */
  private instanceIssues(config: Record<string, unknown>, instance: InstanceSnapshot, alreadyWrong: Set<string | undefined>): ValidationIssue[] {
    const issues: ValidationIssue[] = [];
    const { dedupeField, partition, workspaceId } = config;

    const choices = dedupeFieldChoices(instance.schema);
    if (typeof dedupeField === 'string' && !alreadyWrong.has('dedupeField') && !choices.some((f) => f.name === dedupeField)) {
      issues.push({
        code: issueCodeFor(this.fields.get('dedupeField'), 'instance'),
        path: 'dedupeField',
        message:
          `"${dedupeField}" is not a dedupe field of this Marketo instance. Choose one of: ${choices.map((f) => f.name).join(', ') || '(none)'}; ` +
          'a field appears here once it is marked searchable in Marketo.',
      });
    }
    if (typeof partition === 'string' && !alreadyWrong.has('partition') && !instance.partitions.some((p) => p.name === partition)) {
      issues.push({
        code: issueCodeFor(this.fields.get('partition'), 'instance'),
        path: 'partition',
        message: `The lead partition "${partition}" does not exist in this instance. Existing partitions: ${instance.partitions.map((p) => p.name).join(', ')}.`,
      });
    }
    if (typeof workspaceId === 'string' && !alreadyWrong.has('workspaceId') && !instance.workspaces.some((w) => w.id === workspaceId)) {
      issues.push({
        code: issueCodeFor(this.fields.get('workspaceId'), 'instance'),
        path: 'workspaceId',
        message: `The workspace "${workspaceId}" does not exist in this instance. Workspaces: ${instance.workspaces.map((w) => `${w.name} (${w.id})`).join(', ')}.`,
      });
    }
    return issues;
  }
}

/** The configured workspace, or the Default one (its id written into the config) when none is set. */
function resolveWorkspace(config: Record<string, unknown>, instance: InstanceSnapshot): Workspace {
  const chosen = instance.workspaces.find((w) => w.id === config.workspaceId);
  if (chosen) return chosen;
  const fallback = instance.workspaces.find((w) => w.name === DEFAULT_WORKSPACE) ?? instance.workspaces[0] ?? { id: DEFAULT_WORKSPACE, name: DEFAULT_WORKSPACE };
  config.workspaceId = fallback.id;
  return fallback;
}
