import { inject, injectable } from 'inversify';
import type { ValidationIssue } from '../errors.js';
import { conditionHolds, type DestinationManifest } from '../manifest/types.js';
import type { LeadField } from '../marketo/endpoints/lead-schema.js';
import { syncRules } from '../sync-rules.js';
import { TOKENS } from '../tokens.js';
import type { ActivationWarning, AudienceSpec, DestinationConfig, Mapping } from '../types.js';
import { parseSource, type AttributeMapping, type CompiledMapping, type SourceRef } from './mapping.js';

export interface MappingCheck {
  issues: ValidationIssue[];
  warnings: ActivationWarning[];
  /** Present when there are no issues. */
  mapping?: CompiledMapping;
}

/**
 * Checks an activation's mappings and audiences against the connection's settings and the
 * instance's fields, reporting every problem at once (SPEC §2.4, §2.5). The rules come from
 * the manifest: the target identity and its denied namespaces, the required mappings, the
 * supported audience types.
 */
@injectable()
export class MappingValidator {
  private readonly identityTarget: string;
  private readonly deniedNamespaces: Set<string>;

  constructor(@inject(TOKENS.Manifest) private readonly manifest: DestinationManifest) {
    const target = manifest.identities.target[0]!;
    this.identityTarget = `${manifest.mappings.identityTargetPrefix}${target.namespace}`;
    this.deniedNamespaces = new Set(target.sources.identityNamespaces.denied.map((n) => n.toLowerCase()));
  }

  check(config: DestinationConfig, fields: LeadField[], mappings: unknown, audiences: unknown): MappingCheck {
    const issues: ValidationIssue[] = [];
    const warnings: ActivationWarning[] = [];
    issues.push(...this.audienceIssues(audiences, syncRules(config).syncsLists));
    if (!Array.isArray(mappings)) {
      issues.push({ code: 'INVALID_MAPPING', path: 'mappings', message: 'The mappings must be a list of { source, target } pairs.' });
      return { issues, warnings };
    }

    const fieldsByName = new Map(fields.map((f) => [f.name, f]));
    const attributesIgnored = this.manifest.mappings.attributesIgnoredWhen !== undefined && conditionHolds(this.manifest.mappings.attributesIgnoredWhen, config);
    const dedupeMappings: Array<{ index: number; source: SourceRef }> = [];
    const attributes: AttributeMapping[] = [];
    const targetsSeen = new Map<string, number>();

    if (config.dedupeField === 'id') {
      issues.push({ code: 'LEAD_ID_NOT_ALLOWED', path: 'config.dedupeField', message: "Marketo's Lead ID cannot be the dedupe field; reconnect with another dedupe field such as email." });
    }

    mappings.forEach((raw: unknown, index) => {
      const path = `mappings/${index}`;
      const mapping = raw as Partial<Mapping> | null;
      if (!mapping || typeof mapping.source !== 'string' || typeof mapping.target !== 'string') {
        issues.push({ code: 'INVALID_MAPPING', path, message: `Mapping ${index + 1} needs a text "source" and a text "target".` });
        return;
      }
      const source = parseSource(mapping.source);
      if (typeof source === 'string') {
        issues.push({ code: 'INVALID_MAPPING', path, message: `The source "${mapping.source}" of mapping ${index + 1} ${source}.` });
        return;
      }
      if (mapping.target === this.identityTarget) {
        if (source.kind === 'identity' && this.deniedNamespaces.has(source.namespace.toLowerCase())) {
          issues.push({
            code: 'ECID_NOT_ALLOWED',
            path,
            message: `The ${source.namespace} namespace cannot be used to match Marketo leads. Map an email address or a customer id to ${this.identityTarget} instead.`,
          });
        }
        dedupeMappings.push({ index, source });
        return;
      }
      if (attributesIgnored) {
        warnings.push({
          code: 'ATTRIBUTE_MAPPING_IGNORED',
          message: `The mapping of "${mapping.source}" to "${mapping.target}" is ignored: with the sync type "${config.syncType}" no Marketo field is ever written.`,
        });
        return;
      }
      if (mapping.target === config.dedupeField) {
        // The dedupe field is written from the DedupeField mapping; a second source would let
        // an update change the very value the lead was matched on.
        warnings.push({
          code: 'DEDUPE_FIELD_MAPPING_IGNORED',
          message: `The mapping of "${mapping.source}" to "${mapping.target}" is ignored: "${mapping.target}" is the dedupe field and is filled from the ${this.identityTarget} mapping.`,
        });
        return;
      }
      const issue = this.targetIssue(mapping.target, fieldsByName, targetsSeen, path);
      if (issue) {
        issues.push(issue);
        return;
      }
      const field = fieldsByName.get(mapping.target)!;
      targetsSeen.set(field.name, index);
      attributes.push({ source, field: field.name, dataType: field.dataType, ...(field.length !== undefined && { length: field.length }) });
    });

    if (dedupeMappings.length === 0) {
      issues.push({
        code: 'DEDUPE_MAPPING_MISSING',
        path: 'mappings',
        message: `Map exactly one source to ${this.identityTarget}: it is the value matched against the Marketo field "${config.dedupeField}".`,
      });
    }
    for (const extra of dedupeMappings.slice(1)) {
      issues.push({
        code: 'DEDUPE_MAPPING_DUPLICATE',
        path: `mappings/${extra.index}`,
        message: `Only one mapping may target ${this.identityTarget}; mapping ${dedupeMappings[0]!.index + 1} already does. Remove mapping ${extra.index + 1}.`,
      });
    }
    issues.push(...this.requiredMappingIssues(config, new Set(targetsSeen.keys())));

    const dedupeField = fieldsByName.get(config.dedupeField);
    if (issues.length > 0 || !dedupeMappings[0]) return { issues, warnings };
    return {
      issues,
      warnings,
      mapping: {
        dedupe: {
          source: dedupeMappings[0].source,
          field: config.dedupeField,
          dataType: dedupeField?.dataType ?? 'string',
          ...(dedupeField?.length !== undefined && { length: dedupeField.length }),
        },
        attributes,
      },
    };
  }

  private targetIssue(
    target: string,
    fields: Map<string, LeadField>,
    seen: Map<string, number>,
    path: string,
  ): ValidationIssue | undefined {
    if (target === 'id') {
      return { code: 'LEAD_ID_NOT_ALLOWED', path, message: "Marketo's Lead ID is assigned by Marketo and cannot be written; remove this mapping." };
    }
    const field = fields.get(target);
    if (!field) {
      return { code: 'UNKNOWN_TARGET_FIELD', path, message: `"${target}" is not a field of this Marketo instance. Use a field's REST API name, such as firstName.` };
    }
    if (!field.updateable) {
      return { code: 'READ_ONLY_TARGET_FIELD', path, message: `The Marketo field "${field.displayName}" (${target}) is read-only and cannot be written; remove this mapping.` };
    }
    const earlier = seen.get(target);
    if (earlier !== undefined) {
      return { code: 'DUPLICATE_TARGET_FIELD', path, message: `Mapping ${earlier + 1} already writes "${target}"; each Marketo field can have one source.` };
    }
    return undefined;
  }

  private requiredMappingIssues(config: DestinationConfig, mappedFields: Set<string>): ValidationIssue[] {
    const issues: ValidationIssue[] = [];
    for (const rule of this.manifest.mappings.required) {
      if (!conditionHolds(rule.when, config)) continue;
      for (const target of rule.targets) {
        const satisfiedByDedupe = rule.satisfiedByDedupeField === true && config.dedupeField === target;
        if (mappedFields.has(target) || satisfiedByDedupe) continue;
        issues.push({
          code: 'REQUIRED_MAPPING_MISSING',
          path: 'mappings',
          message: `Map a source to the Marketo field "${target}". ${rule.reason}`,
        });
      }
    }
    return issues;
  }

  private audienceIssues(audiences: unknown, syncsLists: boolean): ValidationIssue[] {
    if (!Array.isArray(audiences)) {
      return [{ code: 'INVALID_AUDIENCE', path: 'audiences', message: 'The audiences must be a list of { id, name } objects.' }];
    }
    const issues: ValidationIssue[] = [];
    const ids = new Set<string>();
    const listOwners = new Map<string, string>();
    const supported = new Set(this.manifest.audiences.supportedTypes);
    audiences.forEach((raw: unknown, index) => {
      const path = `audiences/${index}`;
      const audience = raw as Partial<AudienceSpec> | null;
      if (!audience || typeof audience.id !== 'string' || audience.id === '' || typeof audience.name !== 'string' || audience.name.trim() === '') {
        issues.push({ code: 'INVALID_AUDIENCE', path, message: `Audience ${index + 1} needs a text "id" and a non-empty "name".` });
        return;
      }
      if (ids.has(audience.id)) {
        issues.push({ code: 'DUPLICATE_AUDIENCE', path, message: `The audience "${audience.id}" is listed twice.` });
      }
      ids.add(audience.id);
      const type = audience.type ?? 'people';
      if (!supported.has(type)) {
        issues.push({
          code: 'UNSUPPORTED_AUDIENCE_TYPE',
          path,
          message: `The audience "${audience.name}" is a ${type} audience; Marketo Engage accepts only ${[...supported].join(', ')} audiences.`,
        });
      }
      if (audience.listId !== undefined && (!Number.isInteger(audience.listId) || audience.listId <= 0)) {
        issues.push({ code: 'UNKNOWN_LIST', path, message: `The list id ${JSON.stringify(audience.listId)} of "${audience.name}" is not a Marketo list id (a positive whole number).` });
      }
      // One list per audience (SPEC §2.7): two audiences may not share one, by id or by name.
      const list = audience.listId !== undefined ? `id:${audience.listId}` : `name:${audience.name}`;
      const owner = listOwners.get(list);
      if (syncsLists && owner !== undefined) {
        issues.push({
          code: 'AUDIENCE_LIST_CONFLICT',
          path,
          message:
            audience.listId !== undefined
              ? `The audiences "${owner}" and "${audience.name}" both name the Marketo list ${audience.listId}; each audience needs a list of its own.`
              : `The audiences "${owner}" and "${audience.name}" would share the Marketo list named "${audience.name}"; give one of them another name or a listId.`,
        });
      }
      if (owner === undefined) listOwners.set(list, audience.name);
    });
    return issues;
  }
}
