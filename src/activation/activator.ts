import { randomUUID } from 'node:crypto';
import { inject, injectable } from 'inversify';
import { ConnectionRegistry } from '../connection/connections.js';
import { ConfigValidationError, InvalidRequestError, MappingValidationError, type ValidationIssue } from '../errors.js';
import { SettingsSchema } from '../manifest/settings-schema.js';
import { CallMeter } from '../marketo/client.js';
import type { LeadField } from '../marketo/endpoints/lead-schema.js';
import { marketoTarget } from '../marketo/target.js';
import type { ResolvedOptions } from '../options.js';
import { TOKENS } from '../tokens.js';
import type { ActivateRequest, ActivateResult, AudienceSpec, Credentials, DestinationConfig, Mapping, ResolvedList } from '../types.js';
import { syncRules } from '../sync-rules.js';
import { ACTIVATION_STATE_KIND, ActivationRegistry, listsRecord, type Activation, type ActivationState } from './activations.js';
import { MappingValidator } from './mapping-validator.js';
import { StaticListResolver } from './static-list-resolver.js';

/** The activate hook, and the export/restore of activations. */
@injectable()
export class Activator {
  constructor(
    @inject(ConnectionRegistry) private readonly connections: ConnectionRegistry,
    @inject(ActivationRegistry) private readonly activations: ActivationRegistry,
    @inject(MappingValidator) private readonly validator: MappingValidator,
    @inject(StaticListResolver) private readonly lists: StaticListResolver,
    @inject(SettingsSchema) private readonly settingsSchema: SettingsSchema,
    @inject(TOKENS.Options) private readonly options: ResolvedOptions,
  ) {}

  async activate(request: ActivateRequest): Promise<ActivateResult> {
    const connection = this.connections.get(request.connectionId);
    const previous = request.activationId === undefined ? undefined : this.activations.find(request.activationId);
    if (request.activationId !== undefined && (typeof request.activationId !== 'string' || request.activationId === '')) {
      throw new InvalidRequestError('MALFORMED_REQUEST', 'activate(): activationId must be a non-empty string when given.');
    }
    if (previous && previous.connectionId !== connection.id) {
      throw new InvalidRequestError('MALFORMED_REQUEST', `The activation ${previous.id} belongs to another connection; use a new activationId.`);
    }

    const { config, target } = connection;
    const check = this.validator.check(config, connection.instance.schema.fields, request.mappings, request.audiences);
    const issues = [...check.issues];
    const audiences = issues.some((i) => i.path === 'audiences') ? [] : normaliseAudiences(request.audiences);
    const meter = new CallMeter();
    const { syncsLists } = syncRules(config);
    const reused = reusableLists(previous, audiences);
    const toVerify = syncsLists ? audiences.filter((a) => !reused.has(a.id)) : [];
    // Every check runs before anything is created: a refused activation leaves nothing behind.
    const verified = issues.length === 0 ? await this.lists.verifyGivenLists(target, toVerify, meter) : { issues: [], lists: new Map<string, ResolvedList>() };
    issues.push(...verified.issues);
    if (issues.length === 0 && syncsLists) issues.push(...sharedListIssues(audiences, new Map([...reused, ...verified.lists])));
    if (issues.length > 0 || !check.mapping) throw new MappingValidationError(issues);

    const lists = new Map<string, ResolvedList>();
    if (syncsLists) {
      const toResolve = toVerify.filter((a) => !verified.lists.has(a.id));
      const placement = { folderName: String(config.listFolder), workspaceName: connection.workspaceName };
      const found = await this.lists.findOrCreate(target, toResolve, placement, meter);
      for (const audience of audiences) lists.set(audience.id, reused.get(audience.id) ?? verified.lists.get(audience.id) ?? found.get(audience.id)!);
    }

    const activation: Activation = {
      id: request.activationId ?? randomUUID(),
      connectionId: connection.id,
      config,
      target,
      fields: relevantFields(connection.instance.schema.fields, config.dedupeField),
      mappings: (request.mappings as Mapping[]).map((m) => ({ source: m.source, target: m.target })),
      mapping: check.mapping,
      audiences,
      lists,
      warnings: check.warnings,
    };
    this.activations.set(activation);
    return { activationId: activation.id, lists: listsRecord(lists), warnings: structuredClone(check.warnings) };
  }

  exportActivation(activationId: string): ActivationState {
    return this.activations.exportState(activationId);
  }

  /** Brings a persisted activation back without calling Marketo or creating anything. */
  restoreActivation(state: unknown, credentials: Credentials): ActivateResult {
    const s = state as Partial<ActivationState> | null;
    if (!s || s.kind !== ACTIVATION_STATE_KIND || s.version !== 1 || typeof s.activationId !== 'string' || typeof s.connectionId !== 'string') {
      throw new InvalidRequestError('MALFORMED_REQUEST', `restoreActivation(): the state is not an exported activation (expected kind "${ACTIVATION_STATE_KIND}", version 1).`);
    }
    if (!Array.isArray(s.fields) || !s.lists || typeof s.lists !== 'object') {
      throw new InvalidRequestError('MALFORMED_REQUEST', 'restoreActivation(): the state lacks its fields or lists.');
    }
    const settings = this.settingsSchema.check(s.config);
    if (settings.issues.length > 0) throw new ConfigValidationError(settings.issues);
    const config = { ...settings.config, workspaceId: (s.config as DestinationConfig).workspaceId } as DestinationConfig;
    const check = this.validator.check(config, s.fields, s.mappings, s.audiences);
    if (check.issues.length > 0 || !check.mapping) throw new MappingValidationError(check.issues);
    const audiences = normaliseAudiences(s.audiences);
    const lists = new Map<string, ResolvedList>();
    if (syncRules(config).syncsLists) {
      const recorded = s.lists as Record<string, unknown>;
      const missing: string[] = [];
      for (const audience of audiences) {
        // Own entries only: an audience id such as `__proto__` is an entry like any other.
        const list = Object.hasOwn(recorded, audience.id) ? (recorded[audience.id] as Partial<ResolvedList> | undefined) : undefined;
        if (list && Number.isInteger(list.listId) && typeof list.listName === 'string') {
          lists.set(audience.id, { listId: list.listId!, listName: list.listName, created: list.created === true });
        } else {
          missing.push(audience.id);
        }
      }
      if (missing.length > 0) {
        throw new InvalidRequestError('MALFORMED_REQUEST', `restoreActivation(): no list is recorded for the audience(s) ${missing.join(', ')}.`);
      }
    }
    const activation: Activation = {
      id: s.activationId,
      connectionId: s.connectionId,
      config,
      target: marketoTarget(config.munchkinId, credentials, this.options.marketoBaseUrl),
      fields: s.fields,
      mappings: s.mappings as Mapping[],
      mapping: check.mapping,
      audiences,
      lists,
      warnings: check.warnings,
    };
    this.activations.set(activation);
    return { activationId: activation.id, lists: listsRecord(lists), warnings: check.warnings };
  }
}

/** Re-activating an activation keeps the lists of audiences whose name or list id did not change. */
function reusableLists(previous: Activation | undefined, audiences: AudienceSpec[]): Map<string, ResolvedList> {
  const reused = new Map<string, ResolvedList>();
  for (const audience of audiences) {
    const known = previous?.lists.get(audience.id);
    if (!known) continue;
    const before = previous!.audiences.find((a) => a.id === audience.id);
    const same = audience.listId === undefined ? before?.listId === undefined && before?.name === audience.name : audience.listId === known.listId;
    if (same) reused.set(audience.id, { ...known, created: false });
  }
  return reused;
}

/**
 * SPEC §2.7 and §6: two audiences may not end up in one list. The validator already caught the
 * same list id or the same name twice; here, a list given by id to one audience that another
 * audience would find by its name.
 */
function sharedListIssues(audiences: AudienceSpec[], known: ReadonlyMap<string, ResolvedList>): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  audiences.forEach((audience, index) => {
    if (known.has(audience.id)) return;
    const owner = audiences.find((other) => other.id !== audience.id && known.get(other.id)?.listName === audience.name);
    if (owner) {
      issues.push({
        code: 'AUDIENCE_LIST_CONFLICT',
        path: `audiences/${index}`,
        message: `The audience "${audience.name}" would use the Marketo list named "${audience.name}", which is already the list of the audience "${owner.name}"; give it another name or a listId.`,
      });
    }
  });
  return issues;
}

/** The fields an activation keeps: writable ones (mapping targets) and the dedupe field. */
function relevantFields(fields: LeadField[], dedupeField: string): LeadField[] {
  return fields.filter((f) => f.updateable || f.name === dedupeField).map((f) => ({ ...f }));
}

function normaliseAudiences(audiences: unknown): AudienceSpec[] {
  return (audiences as AudienceSpec[]).map((a) => ({
    id: a.id,
    name: a.name,
    type: a.type ?? 'people',
    ...(a.origin !== undefined && { origin: a.origin }),
    ...(a.listId !== undefined && { listId: a.listId }),
  }));
}
