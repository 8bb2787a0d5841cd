import type { FieldValue, SandboxField } from './model.js';

/**
 * What is wrong with a value for a lead field, as Marketo types it, or undefined when it can be
 * stored. `length` is the field's limit (Marketo counts characters of `string` fields).
 */
export type ValueProblem = 'type' | 'email' | 'length';

export function valueProblem(field: SandboxField, value: unknown): ValueProblem | undefined {
  if (value === null) return undefined;
  const text = typeof value === 'string' ? value.trim() : undefined;
  switch (field.dataType) {
    case 'email':
      if (typeof value !== 'string') return 'type';
      return /^[\x21-\x7e]+@[\x21-\x7e]+\.[a-z0-9-]+$/i.test(value) ? undefined : 'email';
    case 'integer':
    case 'percent':
    case 'score':
      return Number.isInteger(text !== undefined && text !== '' ? Number(text) : value) ? undefined : 'type';
    case 'float':
    case 'currency':
      return Number.isFinite(text !== undefined && text !== '' ? Number(text) : value) ? undefined : 'type';
    case 'boolean':
      return typeof value === 'boolean' || (text !== undefined && BOOLEAN_TEXT.has(text.toLowerCase())) ? undefined : 'type';
    case 'date':
    case 'datetime':
      return text !== undefined && !Number.isNaN(Date.parse(text)) ? undefined : 'type';
    default:
      if (typeof value !== 'string' && typeof value !== 'number') return 'type';
      return field.length !== undefined && String(value).length > field.length ? 'length' : undefined;
  }
}

/** Spellings of a boolean in a text cell (bulk import files); Marketo's exact set is not documented. */
const BOOLEAN_TEXT = new Set(['true', 'false', '1', '0']);

/** A valid value in the JSON type Marketo answers it with: numbers as numbers, booleans as booleans. */
export function storedValue(field: SandboxField, value: FieldValue): FieldValue {
  if (value === null || typeof value !== 'string') return value;
  switch (field.dataType) {
    case 'integer':
    case 'percent':
    case 'score':
    case 'float':
    case 'currency':
      return Number(value.trim());
    case 'boolean':
      return ['true', '1'].includes(value.trim().toLowerCase());
    default:
      return value;
  }
}
