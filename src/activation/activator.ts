import { randomUUID } from 'node:crypto';
import { inject, injectable } from 'inversify';
import { ConnectionRegistry } from '../connection/connections.js';
import { requireObject } from '../connection/connector.js';
import { ConfigValidationError, InvalidRequestError, MappingValidationError } from '../errors.js';
import { SettingsSchema } from '../manifest/settings-schema.js';
import { CallMeter } from '../marketo/client.js';
import type { LeadField } from '../marketo/endpoints/lead-schema.js';
import { marketoTarget } from '../marketo/target.js';
import type { ResolvedOptions } from '../options.js';
import { TOKENS } from '../tokens.js';
import type { ActivateRequest, ActivateResult, AudienceSpec, Credentials, DestinationConfig, Mapping, ResolvedList } from '../types.js';
import { ACTIVATION_STATE_KIND, ActivationRegistry, type Activation, type ActivationState } from './activations.js';
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
    requireObject(request, 'activate');
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
    const syncsLists = config.syncType !== 'profile_only';
    const reused = reusableLists(previous, audiences);
    const toVerify = syncsLists ? audiences.filter((a) => !reused.has(a.id)) : [];
    // Every check runs before anything is created: a refused activation leaves nothing behind.
    const verified = issues.length === 0 ? await this.lists.verifyGivenLists(target, toVerify, meter) : { issues: [], lists: new Map() };
    issues.push(...verified.issues);
    if (issues.length > 0 || !check.mapping) throw new MappingValidationError(issues);

    const lists: Record<string, ResolvedList> = {};
    if (syncsLists) {
      const toResolve = toVerify.filter((a) => !verified.lists.has(a.id));
      const placement = { folderName: String(config.listFolder), workspaceName: connection.workspaceName };
      const found = await this.lists.findOrCreate(target, toResolve, placement, meter);
      for (const audience of audiences) lists[audience.id] = reused.get(audience.id) ?? verified.lists.get(audience.id) ?? found.get(audience.id)!;
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
    return { activationId: activation.id, lists: structuredClone(lists), warnings: structuredClone(check.warnings) };
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
    if (config.syncType !== 'profile_only') {
      const missing = audiences.filter((a) => !Number.isInteger(s.lists![a.id]?.listId));
      if (missing.length > 0) {
        throw new InvalidRequestError('MALFORMED_REQUEST', `restoreActivation(): no list is recorded for the audience(s) ${missing.map((a) => a.id).join(', ')}.`);
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
      lists: structuredClone(s.lists),
      warnings: check.warnings,
    };
    this.activations.set(activation);
    return { activationId: activation.id, lists: structuredClone(activation.lists), warnings: check.warnings };
  }
}

/** Re-activating an activation keeps the lists of audiences whose name or list id did not change. */
function reusableLists(previous: Activation | undefined, audiences: AudienceSpec[]): Map<string, ResolvedList> {
  const reused = new Map<string, ResolvedList>();
  for (const audience of audiences) {
    const known = previous?.lists[audience.id];
    if (!known) continue;
    const before = previous!.audiences.find((a) => a.id === audience.id);
    const same = audience.listId === undefined ? before?.listId === undefined && before?.name === audience.name : audience.listId === known.listId;
    if (same) reused.set(audience.id, { ...known, created: false });
  }
  return reused;
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
