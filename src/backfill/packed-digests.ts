import type { FieldValue } from '../delivery/intake.js';
import { fieldDigest } from '../state/lead-cache.js';
import { HASH48_DIGITS as DIGEST_CHARS } from '../support/fast-hash.js';

const MAX_SHARED_NAME_SETS = 256;

/** The digests of a row's fields while its import runs: the field names (shared) and the digests end to end in one string. */
export interface PackedDigests {
  names: readonly string[];
  digests: string;
}

/**
 * A backfill holds the digests of tens of thousands of rows until their imports answer. As a
 * Map each, they made most of what the lead cache added to a backfill's live heap, and V8
 * grows its heap to a few times that; packed, a row's digests are one short string.
 */
export class DigestPacker {
  /**
   * One array per distinct set of field names: a few in a first load (every mapped field is
   * written). With a warm cache each lead sends only its changed fields, so the sets are many:
   * past this many, a row keeps its own array rather than the map growing without bound.
   */
  private readonly nameSets = new Map<string, readonly string[]>();

  pack(fields: ReadonlyMap<string, FieldValue>): PackedDigests {
    const names = [...fields.keys()];
    const id = JSON.stringify(names);
    let shared = this.nameSets.get(id);
    if (!shared) {
      shared = names;
      if (this.nameSets.size < MAX_SHARED_NAME_SETS) this.nameSets.set(id, names);
    }
    return { names: shared, digests: names.map((name) => fieldDigest(fields.get(name))).join('') };
  }
}

export function unpackDigests({ names, digests }: PackedDigests): Map<string, string> {
  return new Map(names.map((name, i) => [name, digests.slice(i * DIGEST_CHARS, (i + 1) * DIGEST_CHARS)]));
}
