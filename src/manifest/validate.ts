import type { ValidateFunction } from 'ajv';
import { ManifestError, type ValidationIssue } from '../errors.js';
import { createAjv, describeAjvError, pointerOf } from './ajv.js';
import { readManifestFile } from './files.js';
import type { Condition, DestinationManifest, FieldSpec, ManifestExtension } from './types.js';

interface CompiledSchemas {
  manifest: ValidateFunction<DestinationManifest>;
  extension: ValidateFunction<ManifestExtension>;
}

let compiled: CompiledSchemas | undefined;

/** Compiled once per process: compiling is the expensive part of ajv. */
function schemas(): CompiledSchemas {
  if (!compiled) {
    const ajv = createAjv();
    ajv.addSchema(readManifestFile('manifest.schema.json') as object, 'manifest.schema.json');
    ajv.addSchema(readManifestFile('extension.schema.json') as object, 'extension.schema.json');
    compiled = {
      manifest: ajv.getSchema<DestinationManifest>('manifest.schema.json')!,
      extension: ajv.getSchema<ManifestExtension>('extension.schema.json')!,
    };
  }
  return compiled;
}

function schemaIssues(validate: ValidateFunction): ValidationIssue[] {
  return (validate.errors ?? []).map((error) => ({
    code: 'SCHEMA_VIOLATION',
    path: pointerOf(error),
    message: `${pointerOf(error)} ${describeAjvError(error)}`,
  }));
}

/** Checks an extension document against extension.schema.json (structure only). */
export function checkExtensionShape(extension: unknown): asserts extension is ManifestExtension {
  const { extension: validate } = schemas();
  if (!validate(extension)) throw new ManifestError('The manifest extension', schemaIssues(validate));
}

/**
 * Validates a manifest against manifest.schema.json, then the rules a schema cannot express
 * (unique names, conditions naming real settings, defaults that satisfy their own field).
 * Every problem is reported with its JSON pointer; returns a frozen copy.
 */
export function validateManifest(doc: unknown, what = 'The destination manifest'): DestinationManifest {
  const { manifest: validate } = schemas();
  if (!validate(doc)) throw new ManifestError(what, schemaIssues(validate));
  const issues = semanticIssues(doc);
  if (issues.length > 0) throw new ManifestError(what, issues);
  return deepFreeze(structuredClone(doc));
}

function semanticIssues(manifest: DestinationManifest): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const issue = (path: string, message: string) => issues.push({ code: 'MANIFEST_RULE', path, message: `${path} ${message}` });
  const settingsByName = new Map<string, FieldSpec>();

  manifest.settings.forEach((field, i) => {
    if (settingsByName.has(field.name)) issue(`/settings/${i}/name`, `repeats the setting name "${field.name}"`);
    settingsByName.set(field.name, field);
  });
  manifest.authentication.fields.forEach((field, i) => {
    if (settingsByName.has(field.name)) issue(`/authentication/fields/${i}/name`, `"${field.name}" is also a setting name`);
    if (!field.secret) issue(`/authentication/fields/${i}/secret`, 'must be true: credentials are always secret');
  });

  const checkCondition = (condition: Condition | undefined, path: string) => {
    for (const [name, values] of Object.entries(condition ?? {})) {
      const target = settingsByName.get(name);
      if (!target) {
        issue(`${path}/${name}`, `names the unknown setting "${name}"`);
        continue;
      }
      for (const value of values) {
        if (target.enum && !target.enum.includes(value)) issue(`${path}/${name}`, `lists ${JSON.stringify(value)}, which is not a value of "${name}"`);
      }
    }
  };

  manifest.settings.forEach((field, i) => {
    const path = `/settings/${i}`;
    checkCondition(field.visibleWhen, `${path}/visibleWhen`);
    checkCondition(field.requiredWhen, `${path}/requiredWhen`);
    if (field.default !== undefined) {
      const problem = scalarProblem(field, field.default);
      if (problem) issue(`${path}/default`, problem);
    }
    if (field.enumLabels && field.enum) {
      for (const key of Object.keys(field.enumLabels)) {
        if (!field.enum.map(String).includes(key)) issue(`${path}/enumLabels/${key}`, `labels "${key}", which is not a value of "${field.name}"`);
      }
    }
  });
  manifest.mappings.required.forEach((rule, i) => checkCondition(rule.when, `/mappings/required/${i}/when`));
  checkCondition(manifest.mappings.attributesIgnoredWhen, '/mappings/attributesIgnoredWhen');
  return issues;
}

/** Why `value` cannot be a value of `field`, or undefined when it can. */
export function scalarProblem(field: FieldSpec, value: unknown): string | undefined {
  const typeOk =
    field.type === 'string' ? typeof value === 'string'
    : field.type === 'boolean' ? typeof value === 'boolean'
    : field.type === 'integer' ? Number.isInteger(value)
    : typeof value === 'number' && Number.isFinite(value);
  if (!typeOk) return `must be of type ${field.type}`;
  if (field.enum && !field.enum.includes(value as string)) return `must be one of ${JSON.stringify(field.enum)}`;
  if (typeof value === 'string') {
    if (field.pattern && !new RegExp(field.pattern, 'u').test(value)) return `must match the pattern ${field.pattern}`;
    if (field.minLength !== undefined && value.length < field.minLength) return `must have at least ${field.minLength} character(s)`;
    if (field.maxLength !== undefined && value.length > field.maxLength) return `must have at most ${field.maxLength} characters`;
  }
  if (field.deniedValues?.includes(value as string)) return `may not be ${JSON.stringify(value)}`;
  return undefined;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** The shipped manifest, validated. */
export function loadShippedManifest(): DestinationManifest {
  return validateManifest(readManifestFile('destination.json'));
}
