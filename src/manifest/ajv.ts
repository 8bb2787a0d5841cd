import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import formatsPlugin from 'ajv-formats';

// ajv-formats is CommonJS; under NodeNext its default import is the plugin function itself.
const addFormats = formatsPlugin as unknown as typeof formatsPlugin.default;

/** One configured ajv for every schema of the plugin: draft 2020-12, all errors, formats. */
export function createAjv(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
  addFormats(ajv);
  return ajv;
}

/** A one-line reason for an ajv error, naming what was expected. */
export function describeAjvError(error: ErrorObject): string {
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `is missing the required property "${String(p.missingProperty)}"`;
    case 'additionalProperties':
      return `has the unexpected property "${String(p.additionalProperty)}"`;
    case 'enum':
      return `must be one of ${JSON.stringify(p.allowedValues)}`;
    case 'const':
      return `must be ${JSON.stringify(p.allowedValue)}`;
    case 'type':
      return `must be of type ${String(p.type)}`;
    default:
      return error.message ?? `fails the "${error.keyword}" rule`;
  }
}

/** The JSON pointer an ajv error concerns, `/` for the document itself. */
export function pointerOf(error: ErrorObject): string {
  const base = error.instancePath || '';
  if (error.keyword === 'required') return `${base}/${String((error.params as { missingProperty: string }).missingProperty)}`;
  if (error.keyword === 'additionalProperties') {
    return `${base}/${String((error.params as { additionalProperty: string }).additionalProperty)}`;
  }
  return base || '/';
}
