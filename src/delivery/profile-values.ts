import type { SourceRef } from '../activation/mapping.js';
import type { ProfileEvent } from '../types.js';

/**
 * The value a mapping source has in a profile event: an identity namespace's primary id (else
 * its first), or an attribute given nested (`person.name.firstName` as objects) or flat
 * (`"person.name.firstName": "Ann"`). Only own properties are read, so `__proto__` and friends
 * never reach a prototype. Undefined when absent.
 */
export function readSource(event: ProfileEvent, source: SourceRef): unknown {
  if (source.kind === 'identity') {
    const ids = event.identityMap && Object.hasOwn(event.identityMap, source.namespace) ? event.identityMap[source.namespace] : undefined;
    if (!Array.isArray(ids) || ids.length === 0) return undefined;
    return (ids.find((entry) => entry?.primary === true) ?? ids[0])?.id;
  }
  const attributes = event.attributes;
  if (!attributes) return undefined;
  if (Object.hasOwn(attributes, source.dotted)) return attributes[source.dotted];
  let current: unknown = attributes;
  for (const part of source.path) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}
