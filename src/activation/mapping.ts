/** A compiled mapping: where each value comes from in a profile event, and where it goes. */

/** `identityMap.Email` reads an identity namespace; anything else is an attribute path. */
export type SourceRef =
  | { kind: 'identity'; namespace: string }
  | { kind: 'attribute'; path: string[]; dotted: string };

export interface AttributeMapping {
  source: SourceRef;
  /** The Marketo field's REST name. */
  field: string;
  dataType: string;
  length?: number;
}

export interface CompiledMapping {
  dedupe: { source: SourceRef; field: string; dataType: string; length?: number };
  /** Empty under audience_only: no field is ever written there. */
  attributes: AttributeMapping[];
}

export const IDENTITY_PREFIX = 'identityMap.';
/** Keys that would reach an object's prototype if used as property names. */
export const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Parses a mapping source, or explains why it cannot be one. */
export function parseSource(source: string): SourceRef | string {
  if (source.trim() !== source || source === '') return 'must be a non-empty path without surrounding spaces';
  if (source.startsWith(IDENTITY_PREFIX)) {
    const namespace = source.slice(IDENTITY_PREFIX.length);
    if (namespace === '' || namespace.includes('.')) return `must name one identity namespace, like ${IDENTITY_PREFIX}Email`;
    if (FORBIDDEN_KEYS.has(namespace)) return `may not use the reserved name "${namespace}"`;
    return { kind: 'identity', namespace };
  }
  const path = source.split('.');
  if (path.some((part) => part === '')) return 'must be a dotted attribute path such as person.name.firstName';
  const reserved = path.find((part) => FORBIDDEN_KEYS.has(part));
  if (reserved) return `may not use the reserved name "${reserved}"`;
  return { kind: 'attribute', path, dotted: source };
}
