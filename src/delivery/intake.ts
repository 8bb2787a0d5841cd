import type { ValidateFunction } from 'ajv';
import { injectable } from 'inversify';
import type { Activation } from '../activation/activations.js';
import { createAjv } from '../manifest/ajv.js';
import { readManifestFile } from '../manifest/files.js';
import type { MembershipStatus, ProfileEvent, RecordReason } from '../types.js';
import { checkFieldValue } from './field-values.js';
import { dedupeKey } from '../matching/dedupe-key.js';
import { readSource } from './profile-values.js';

export type FieldValue = string | number | boolean;

/** A profile that passed intake: its dedupe value, the fields to write, its memberships. */
export interface IntakeRecord {
  index: number;
  recordId: string;
  /** The dedupe value as sent to Marketo (trimmed). */
  dedupeValue: string;
  /** The value profiles are coalesced and matched on. */
  key: string;
  fields: Map<string, FieldValue>;
  /** Status per audience of the activation; audiences not activated are left out. */
  memberships: Map<string, MembershipStatus>;
}

export interface IntakeRejection {
  index: number;
  recordId: string;
  reason: RecordReason;
}

export interface IntakeResult {
  accepted: IntakeRecord[];
  rejected: IntakeRejection[];
}

/**
 * Validates each profile event against the profile-event schema and resolves the mapping's
 * sources. A bad profile is rejected at its own index; the others proceed.
 */
@injectable()
export class ProfileIntake {
  private readonly validateEvent: ValidateFunction<ProfileEvent> = createAjv().compile<ProfileEvent>(readManifestFile('profile-event.schema.json') as object);

  /** `firstIndex`: the position of `profiles[0]` in the whole input (a backfill reads it in chunks). */
  take(activation: Activation, profiles: unknown[], firstIndex = 0): IntakeResult {
    const accepted: IntakeRecord[] = [];
    const rejected: IntakeRejection[] = [];
    // By index, not forEach: a hole in a sparse array is an input too, and is rejected in place.
    for (let index = 0; index < profiles.length; index++) {
      const outcome = this.takeOne(activation, profiles[index], firstIndex + index);
      if ('reason' in outcome) rejected.push(outcome);
      else accepted.push(outcome);
    }
    return { accepted, rejected };
  }

  private takeOne(activation: Activation, profile: unknown, index: number): IntakeRecord | IntakeRejection {
    const recordId = recordIdOf(profile, index);
    const reject = (code: RecordReason['code'], message: string): IntakeRejection => ({ index, recordId, reason: { code, message } });
    if (!this.validateEvent(profile)) {
      const error = this.validateEvent.errors?.[0];
      return reject('INVALID_PROFILE', `The profile event is invalid: ${error?.instancePath || '/'} ${error?.message ?? ''}`.trim());
    }
    const { dedupe, attributes } = activation.mapping;
    const rawDedupe = readSource(profile, dedupe.source);
    if (rawDedupe === undefined || rawDedupe === null || (typeof rawDedupe === 'string' && rawDedupe.trim() === '')) {
      return reject('MISSING_DEDUPE_VALUE', `The profile has no value for the dedupe source of "${dedupe.field}".`);
    }
    if (typeof rawDedupe !== 'string' && typeof rawDedupe !== 'number') {
      return reject('INVALID_PROFILE', `The dedupe value for "${dedupe.field}" must be text or a number, not ${describeType(rawDedupe)}.`);
    }
    const dedupeChecked = checkFieldValue(dedupe, typeof rawDedupe === 'string' ? rawDedupe.trim() : rawDedupe);
    if ('problem' in dedupeChecked) return reject('INVALID_PROFILE', `The dedupe value is invalid. ${dedupeChecked.problem}`);
    const dedupeValue = String(dedupeChecked.value);
    if (dedupeValue.includes(',')) {
      // Marketo's lookup takes a comma-separated list: a comma inside a value cannot be searched.
      return reject('INVALID_PROFILE', `The dedupe value for "${dedupe.field}" contains a comma, which Marketo cannot search for.`);
    }

    const fields = new Map<string, FieldValue>();
    for (const mapping of attributes) {
      const value = readSource(profile, mapping.source);
      // Absent or null leaves the Marketo field untouched: missing data never blanks a field.
      if (value === undefined || value === null) continue;
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        return reject('INVALID_PROFILE', `The value for the Marketo field "${mapping.field}" must be text, a number or a boolean, not ${describeType(value)}.`);
      }
      const checked = checkFieldValue(mapping, value);
      if ('problem' in checked) return reject('INVALID_PROFILE', checked.problem);
      fields.set(mapping.field, checked.value);
    }

    const memberships = new Map<string, MembershipStatus>();
    const ups = profile.segmentMembership?.ups;
    for (const audience of activation.audiences) {
      if (ups && Object.hasOwn(ups, audience.id)) memberships.set(audience.id, ups[audience.id]!.status);
    }
    return { index, recordId, dedupeValue, key: dedupeKey(dedupeValue, dedupe.dataType), fields, memberships };
  }
}

function recordIdOf(profile: unknown, index: number): string {
  const id = profile && typeof profile === 'object' ? (profile as { recordId?: unknown }).recordId : undefined;
  return typeof id === 'string' && id !== '' ? id : `#${index}`;
}

function describeType(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
