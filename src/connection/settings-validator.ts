import { inject, injectable } from 'inversify';
import { ConfigValidationError, type ValidationIssue } from '../errors.js';
import { issueCodeFor, SettingsSchema } from '../manifest/settings-schema.js';
import type { DestinationManifest, FieldSpec } from '../manifest/types.js';
import { marketoTarget, MUNCHKIN_ID, type MarketoTarget } from '../marketo/target.js';
import type { ResolvedOptions } from '../options.js';
import { TOKENS } from '../tokens.js';
import type { Credentials, DestinationConfig } from '../types.js';
import { dedupeFieldChoices, type InstanceSnapshot } from './instance.js';
import { InstanceInspector } from './instance-inspector.js';

export interface ValidatedSettings {
  config: DestinationConfig;
  target: MarketoTarget;
  instance: InstanceSnapshot;
  /** Secret settings an extension may have added; kept apart from the config. */
  secretSettings: Record<string, unknown>;
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

  /** Credentials present and of the right type, as the manifest's authentication fields say. */
  credentialIssues(credentials: unknown): ValidationIssue[] {
    const given = (credentials && typeof credentials === 'object' ? credentials : {}) as Record<string, unknown>;
    return this.manifest.authentication.fields
      .filter((f) => typeof given[f.name] !== 'string' || (given[f.name] as string).trim() === '')
      .map((f) => ({
        code: 'CREDENTIALS_MISSING',
        path: `credentials.${f.name}`,
        message: `"${f.label}" is missing: ${f.description}`,
      }));
  }

  async validate(credentials: unknown, rawConfig: unknown): Promise<ValidatedSettings> {
    const checked = this.schema.check(rawConfig);
    const issues = [...this.credentialIssues(credentials), ...checked.issues];
    const config = checked.config;
    const munchkinId = config.munchkinId;
    if (typeof munchkinId !== 'string' || !MUNCHKIN_ID.test(munchkinId) || issues.some((i) => i.code === 'CREDENTIALS_MISSING')) {
      // Without a valid instance id and credentials the instance cannot be asked anything.
      throw new ConfigValidationError(issues);
    }
    const target = marketoTarget(munchkinId, credentials as Credentials, this.options.marketoBaseUrl);
    const instance = await this.inspector.inspect(target);
    issues.push(...this.instanceIssues(config, instance, new Set(issues.map((i) => i.path))));
    if (issues.length > 0) throw new ConfigValidationError(issues);
    return { config: config as DestinationConfig, target, instance, secretSettings: checked.secrets };
  }

  /** Fills `workspaceId` and reports settings the instance does not know. */
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
    if (typeof workspaceId === 'string') {
      if (!alreadyWrong.has('workspaceId') && !instance.workspaces.some((w) => w.id === workspaceId)) {
        issues.push({
          code: issueCodeFor(this.fields.get('workspaceId'), 'instance'),
          path: 'workspaceId',
          message: `The workspace "${workspaceId}" does not exist in this instance. Workspaces: ${instance.workspaces.map((w) => `${w.name} (${w.id})`).join(', ')}.`,
        });
      }
    } else {
      const fallback = instance.workspaces.find((w) => w.name === DEFAULT_WORKSPACE) ?? instance.workspaces[0];
      config.workspaceId = fallback?.id ?? DEFAULT_WORKSPACE;
    }
    return issues;
  }
}
