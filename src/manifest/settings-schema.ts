import type { ErrorObject, ValidateFunction } from 'ajv';
import type { ValidationIssue } from '../errors.js';
import { createAjv } from './ajv.js';
import { conditionHolds, type Condition, type DestinationManifest, type FieldSpec, type IssueCodeKind } from './types.js';

const GENERIC_CODES: Record<IssueCodeKind | 'unknown', string> = {
  required: 'REQUIRED_SETTING_MISSING',
  type: 'INVALID_SETTING_VALUE',
  pattern: 'INVALID_SETTING_VALUE',
  enum: 'INVALID_SETTING_VALUE',
  denied: 'INVALID_SETTING_VALUE',
  notAllowed: 'SETTING_NOT_ALLOWED',
  instance: 'INVALID_SETTING_VALUE',
  unknown: 'UNKNOWN_SETTING',
};

/** The issue code a manifest field declares for a kind of problem, else the generic one. */
export function issueCodeFor(field: FieldSpec | undefined, kind: IssueCodeKind): string {
  return field?.issueCodes?.[kind] ?? GENERIC_CODES[kind];
}

function conditionSchema(condition: Condition): object {
  return {
    required: Object.keys(condition),
    properties: Object.fromEntries(Object.entries(condition).map(([name, values]) => [name, { enum: values }])),
  };
}

function fieldSchema(field: FieldSpec): Record<string, unknown> {
  const schema: Record<string, unknown> = { type: field.type, title: field.label, description: field.description };
  for (const key of ['enum', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'default'] as const) {
    if (field[key] !== undefined) schema[key] = field[key];
  }
  if (field.deniedValues) schema.not = { enum: field.deniedValues };
  if (field.secret) schema.writeOnly = true;
  return schema;
}

/** Which field each `allOf` entry of the derived schema speaks for, and of what problem. */
type RuleIndex = Array<{ field: FieldSpec; kind: 'notAllowed' | 'required' }>;

/**
 * Derives the JSON Schema (draft 2020-12) of a tenant's settings from the manifest, so the form,
 * the validation and the docs all come from one document. Conditional rules become
 * `if`/`else` (a field is forbidden where it is not visible) and `if`/`then` (required when).
 */
export function deriveSettingsSchema(manifest: DestinationManifest): { schema: Record<string, unknown>; rules: RuleIndex } {
  const rules: RuleIndex = [];
  const allOf: object[] = [];
  for (const field of manifest.settings) {
    if (field.visibleWhen) {
      allOf.push({ if: conditionSchema(field.visibleWhen), else: { properties: { [field.name]: false } } });
      rules.push({ field, kind: 'notAllowed' });
    }
    if (field.requiredWhen) {
      allOf.push({ if: conditionSchema(field.requiredWhen), then: { required: [field.name] } });
      rules.push({ field, kind: 'required' });
    }
  }
  const schema: Record<string, unknown> = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: `${manifest.name} destination settings`,
    type: 'object',
    properties: Object.fromEntries(manifest.settings.map((f) => [f.name, fieldSchema(f)])),
    required: manifest.settings.filter((f) => f.required).map((f) => f.name),
    additionalProperties: false,
  };
  if (allOf.length > 0) schema.allOf = allOf;
  return { schema, rules };
}

export interface SettingsCheck {
  issues: ValidationIssue[];
  /**
   * The settings with defaults applied (only meaningful without issues). Settings the manifest
   * marks secret (an extension may add some) are validated but never kept.
   */
  config: Record<string, unknown>;
}

/** Validates tenant settings against the schema derived from one manifest (compiled once). */
export class SettingsSchema {
  readonly schema: Record<string, unknown>;
  private readonly rules: RuleIndex;
  private readonly validate: ValidateFunction;
  private readonly fields: Map<string, FieldSpec>;

  constructor(private readonly manifest: DestinationManifest) {
    ({ schema: this.schema, rules: this.rules } = deriveSettingsSchema(manifest));
    this.validate = createAjv().compile(this.schema);
    this.fields = new Map(manifest.settings.map((f) => [f.name, f]));
  }

  check(input: unknown): SettingsCheck {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      return { issues: [{ code: 'INVALID_SETTING_VALUE', message: 'The settings must be a JSON object.' }], config: {} };
    }
    const values = input as Record<string, unknown>;
    const issues = this.validate(values) ? [] : this.toIssues(this.validate.errors ?? [], values);
    const config: Record<string, unknown> = {};
    for (const field of this.manifest.settings) {
      const visible = !field.visibleWhen || conditionHolds(field.visibleWhen, values);
      const value = Object.hasOwn(values, field.name) ? values[field.name] : visible ? field.default : undefined;
      if (value !== undefined && !field.secret) config[field.name] = value;
    }
    return { issues, config };
  }

  private toIssues(errors: ErrorObject[], values: Record<string, unknown>): ValidationIssue[] {
    const issues: ValidationIssue[] = [];
    const seen = new Set<string>();
    for (const error of errors) {
      const issue = this.toIssue(error, values);
      if (!issue) continue;
      const key = `${issue.code}|${issue.path}`;
      if (!seen.has(key)) issues.push(issue);
      seen.add(key);
    }
    return issues;
  }

  private toIssue(error: ErrorObject, values: Record<string, unknown>): ValidationIssue | undefined {
    const params = error.params as Record<string, unknown>;
    const rule = /^#\/allOf\/(\d+)\//.exec(error.schemaPath);
    if (error.keyword === 'if') return undefined; // ajv's summary of the branch error reported next to it
    if (rule) {
      const { field, kind } = this.rules[Number(rule[1])]!;
      const when = Object.entries((kind === 'required' ? field.requiredWhen : field.visibleWhen) ?? {})
        .map(([name, allowed]) => `${this.label(name)} is ${allowed.map((a) => JSON.stringify(a)).join(' or ')}`)
        .join(' and ');
      const current = Object.keys((kind === 'required' ? field.requiredWhen : field.visibleWhen) ?? {})
        .map((name) => `${this.label(name)} is ${JSON.stringify(values[name])}`)
        .join(' and ');
      return kind === 'required'
        ? { code: issueCodeFor(field, 'required'), path: field.name, message: `"${field.label}" is required when ${when}. Choose one of its options.` }
        : { code: issueCodeFor(field, 'notAllowed'), path: field.name, message: `"${field.label}" only applies when ${when}, but ${current}. Remove it or change the sync type.` };
    }
    if (error.keyword === 'required') {
      const name = String(params.missingProperty);
      const field = this.fields.get(name);
      return { code: issueCodeFor(field, 'required'), path: name, message: `"${field?.label ?? name}" is required.` };
    }
    if (error.keyword === 'additionalProperties') {
      const name = String(params.additionalProperty);
      return {
        code: GENERIC_CODES.unknown,
        path: name,
        message: `"${name}" is not a setting of this destination. Known settings: ${[...this.fields.keys()].join(', ')}.`,
      };
    }
    const name = error.instancePath.split('/')[1] ?? '';
    const field = this.fields.get(name);
    if (!field) return { code: 'INVALID_SETTING_VALUE', path: name, message: `The settings ${error.message ?? 'are invalid'}.` };
    const shown = field.secret ? '' : ` (got ${preview(values[name])})`;
    switch (error.keyword) {
      case 'type':
        return { code: issueCodeFor(field, 'type'), path: name, message: `"${field.label}" must be a ${field.type}${shown}.` };
      case 'pattern':
        return {
          code: issueCodeFor(field, 'pattern'),
          path: name,
          message: `"${field.label}" has the wrong format${shown}: it must look like ${field.placeholder ?? `the pattern ${field.pattern}`}.`,
        };
      case 'enum':
        return {
          code: issueCodeFor(field, 'enum'),
          path: name,
          message: `"${field.label}" must be one of ${(field.enum ?? []).map((v) => JSON.stringify(v)).join(', ')}${shown}.`,
        };
      case 'not':
        return {
          code: issueCodeFor(field, 'denied'),
          path: name,
          message: `"${field.label}" may not be ${preview(values[name])}${field.deniedReason ? `: ${field.deniedReason}` : ''}.`,
        };
      default:
        return { code: issueCodeFor(field, 'type'), path: name, message: `"${field.label}" ${error.message ?? 'is invalid'}${shown}.` };
    }
  }

  private label(name: string): string {
    return `"${this.fields.get(name)?.label ?? name}"`;
  }
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 64 ? `${text.slice(0, 61)}...` : text;
}
