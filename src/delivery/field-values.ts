import type { FieldValue } from './intake.js';

/** Marketo string fields hold at most 64 KB; longer values would only be refused (or blow the 1 MB body). */
const MAX_TEXT_LENGTH = 65_535;
/** A `text` (text area) field holds at most 30 000 bytes (recorded describe answers and Marketo's docs). */
const MAX_TEXT_AREA_BYTES = 30_000;
/** Control characters other than tab, newline and carriage return corrupt Marketo records. */
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const EMAIL = /^[\x21-\x3f\x41-\x7e]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/i;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/;

export interface FieldType {
  field: string;
  dataType: string;
  length?: number;
}

export type Checked = { value: FieldValue } | { problem: string };

/**
 * Checks a profile value against the Marketo field's type and length from describe2 before it
 * is sent, converting only where nothing is lost (numbers from numeric text, booleans from
 * "true"/"false", ISO dates); anything else is a clear problem for that one record.
 */
export function checkFieldValue(type: FieldType, value: FieldValue): Checked {
  const bad = (why: string): Checked => ({ problem: `The value for the Marketo field "${type.field}" ${why}.` });
  switch (type.dataType) {
    // Marketo's percent and score fields are integers too.
    case 'integer':
    case 'percent':
    case 'score': {
      const n = typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
      return typeof n === 'number' && Number.isSafeInteger(n) ? { value: n } : bad(`must be a whole number, not ${preview(value)}`);
    }
    case 'float':
    case 'currency': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      return typeof n === 'number' && Number.isFinite(n) ? { value: n } : bad(`must be a number, not ${preview(value)}`);
    }
    case 'boolean': {
      if (typeof value === 'boolean') return { value };
      if (value === 'true' || value === 'false') return { value: value === 'true' };
      if (value === 1 || value === 0) return { value: value === 1 };
      return bad(`must be true or false, not ${preview(value)}`);
    }
    case 'date': {
      if (typeof value === 'string' && ISO_DATE.test(value) && validDate(value)) return { value };
      return bad(`must be a date like 2026-11-20, not ${preview(value)}`);
    }
    case 'datetime': {
      if (typeof value === 'string' && (ISO_DATE_TIME.test(value) || ISO_DATE.test(value)) && !Number.isNaN(Date.parse(value))) {
        return { value: new Date(value).toISOString().replace('.000Z', 'Z') };
      }
      return bad(`must be an ISO 8601 date and time with a time zone, not ${preview(value)}`);
    }
    case 'email': {
      if (typeof value !== 'string') return bad(`must be an email address, not ${preview(value)}`);
      const email = value.trim();
      if (!EMAIL.test(email)) return bad(`must be an email address in plain ASCII (Marketo accepts no other), not ${preview(value)}`);
      return withinLength(type, email, bad);
    }
    case 'text': {
      const text = typeof value === 'string' ? value : String(value);
      if (CONTROL_CHARACTERS.test(text)) return bad('contains control characters');
      const bytes = Buffer.byteLength(text, 'utf8');
      const max = Math.min(type.length ?? MAX_TEXT_AREA_BYTES, MAX_TEXT_AREA_BYTES);
      return bytes > max ? bad(`is too long: ${bytes} bytes where Marketo allows ${max}`) : { value: text };
    }
    default: {
      const text = typeof value === 'string' ? value : String(value);
      if (CONTROL_CHARACTERS.test(text)) return bad('contains control characters');
      return withinLength(type, text, bad);
    }
  }
}

function withinLength(type: FieldType, text: string, bad: (why: string) => Checked): Checked {
  const max = Math.min(type.length ?? MAX_TEXT_LENGTH, MAX_TEXT_LENGTH);
  return text.length > max ? bad(`is too long: ${text.length} characters where Marketo allows ${max}`) : { value: text };
}

function validDate(text: string): boolean {
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
