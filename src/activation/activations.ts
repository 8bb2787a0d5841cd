import { injectable } from 'inversify';
import { InvalidRequestError } from '../errors.js';
import type { LeadField } from '../marketo/endpoints/lead-schema.js';
import type { MarketoTarget } from '../marketo/target.js';
import type { ActivationWarning, AudienceSpec, DestinationConfig, Mapping, ResolvedList } from '../types.js';
import type { CompiledMapping } from './mapping.js';

/** Everything deliver needs for one activation. */
export interface Activation {
  id: string;
  connectionId: string;
  config: DestinationConfig;
  target: MarketoTarget;
  /** The instance's writable fields and the dedupe field, as describe2 reported them. */
  fields: LeadField[];
  mappings: Mapping[];
  mapping: CompiledMapping;
  audiences: AudienceSpec[];
  /** By audience id: a Map, so that any id (`__proto__` and `constructor` included) keeps its list. */
  lists: Map<string, ResolvedList>;
  warnings: ActivationWarning[];
}

/**
 * A dedupe value within its Marketo instance: the key of its write lock and of its lead-cache
 * entry. `groupKey` is the coalesced group's key (the value as Marketo compares it).
 */
export function instanceValueKey(activation: Activation, groupKey: string): string {
  return `${activation.target.instanceKey}|${activation.config.dedupeField}|${groupKey}`;
}

export const ACTIVATION_STATE_KIND = 'marketo-engage-destination/activation';

/**
 * An activation as plain JSON, for the host to persist and restore after a restart. It holds
 * no secret: credentials are handed again to restoreActivation.
 */
export interface ActivationState {
  kind: typeof ACTIVATION_STATE_KIND;
  version: 1;
  activationId: string;
  connectionId: string;
  config: DestinationConfig;
  fields: LeadField[];
  mappings: Mapping[];
  audiences: AudienceSpec[];
  lists: Record<string, ResolvedList>;
}

/** Torn-down ids are remembered only to name the caller's mistake; a bounded memory is enough. */
const ENDED_REMEMBERED = 10_000;

/**
 * The live activations of this plugin instance, and the ones a teardown has begun to end: from
 * the moment `teardown()` is called, a delivery on them is refused (SPEC §7), while the
 * deliveries already in flight drain.
 */
@injectable()
export class ActivationRegistry {
  private readonly activations = new Map<string, Activation>();
  private readonly ended = new Set<string>();

  set(activation: Activation): void {
    this.ended.delete(activation.id);
    this.activations.set(activation.id, activation);
  }

  find(activationId: string): Activation | undefined {
    return this.activations.get(activationId);
  }

  get(activationId: unknown): Activation {
    const activation = typeof activationId === 'string' ? this.activations.get(activationId) : undefined;
    if (!activation) {
      throw new InvalidRequestError(
        'UNKNOWN_ACTIVATION',
        `No activation has the id ${JSON.stringify(activationId)}: call activate() (or restoreActivation()) first, or again after teardown.`,
      );
    }
    return activation;
  }

  /** The activation a delivery may use: refused once its teardown has begun. */
  forDelivery(activationId: unknown): Activation {
    if (typeof activationId === 'string' && this.ended.has(activationId)) {
      throw new InvalidRequestError('TORN_DOWN', `The activation ${activationId} was torn down; activate or restore it again before delivering.`);
    }
    return this.get(activationId);
  }

  /** Teardown has begun for these activations: no new delivery may start on them. */
  end(activationIds: readonly string[]): void {
    for (const id of activationIds) {
      this.ended.delete(id);
      this.ended.add(id);
      if (this.ended.size > ENDED_REMEMBERED) this.ended.delete(this.ended.values().next().value!);
    }
  }

  remove(activationId: string): void {
    this.activations.delete(activationId);
  }

  idsOfConnection(connectionId: string): string[] {
    return [...this.activations.values()].filter((a) => a.connectionId === connectionId).map((a) => a.id);
  }

  ids(): string[] {
    return [...this.activations.keys()];
  }

  exportState(activationId: string): ActivationState {
    const a = this.get(activationId);
    return {
      ...structuredClone({
        kind: ACTIVATION_STATE_KIND,
        version: 1 as const,
        activationId: a.id,
        connectionId: a.connectionId,
        config: a.config,
        fields: a.fields,
        mappings: a.mappings,
        audiences: a.audiences,
      }),
      lists: listsRecord(a.lists),
    };
  }
}

/**
 * The lists as a plain object with an own entry for every audience id: defined, not assigned,
 * so that an id like `__proto__` is an entry and never reaches the prototype.
 */
export function listsRecord(lists: ReadonlyMap<string, ResolvedList>): Record<string, ResolvedList> {
  const record: Record<string, ResolvedList> = {};
  for (const [audienceId, list] of lists) {
    Object.defineProperty(record, audienceId, { value: { ...list }, enumerable: true, writable: true, configurable: true });
  }
  return record;
}
