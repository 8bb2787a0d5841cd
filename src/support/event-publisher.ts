import { inject, injectable } from 'inversify';
import { DestinationEvents, type DestinationEventMap, type DestinationEventName } from '../events.js';
import { TOKENS } from '../tokens.js';
import type { Logger } from '../types.js';
import { SecretRedactor } from './redaction.js';

/**
 * Emits the host's alerts. Payloads pass through the redactor, and a listener that throws
 * cannot break a delivery: its error is logged and the run goes on.
 */
@injectable()
export class EventPublisher {
  constructor(
    @inject(TOKENS.Events) private readonly events: DestinationEvents,
    @inject(SecretRedactor) private readonly redactor: SecretRedactor,
    @inject(TOKENS.Logger) private readonly logger: Logger,
  ) {}

  hasListeners(name: DestinationEventName): boolean {
    return this.events.listenerCount(name) > 0;
  }

  emit<K extends DestinationEventName>(name: K, payload: DestinationEventMap[K][0]): void {
    try {
      (this.events.emit as (event: K, arg: DestinationEventMap[K][0]) => boolean)(name, this.redactor.redact(payload));
    } catch (error) {
      this.logger.error(`A listener of "${name}" threw; the plugin carries on`, { error: this.redactor.redact(error) });
    }
  }
}
