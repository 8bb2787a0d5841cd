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
  lists: Record<string, ResolvedList>;
  warnings: ActivationWarning[];
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

/** The live activations of this plugin instance. */
@injectable()
export class ActivationRegistry {
  private readonly activations = new Map<string, Activation>();

  set(activation: Activation): void {
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
    return structuredClone({
      kind: ACTIVATION_STATE_KIND,
      version: 1,
      activationId: a.id,
      connectionId: a.connectionId,
      config: a.config,
      fields: a.fields,
      mappings: a.mappings,
      audiences: a.audiences,
      lists: a.lists,
    });
  }
}
