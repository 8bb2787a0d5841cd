import { inject, injectable } from 'inversify';
import { DestinationEvents, type DestinationEventMap, type DestinationEventName, type EventBase, type RunCounts } from '../events.js';
import { TOKENS } from '../tokens.js';
import type { DeliverySummary, Logger } from '../types.js';
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

  /** `records.rejected` when a run rejected any record, with the count per reason code (counted only then). */
  rejectedRecords(run: Omit<EventBase, 'message'>, summary: DeliverySummary, codes: () => Record<string, number>): void {
    if (summary.rejected > 0) this.emit('records.rejected', { ...run, message: `${summary.rejected} record(s) rejected`, count: summary.rejected, codes: codes() });
  }

  /** The end of a run: `run.succeeded` (with that message) when no record was rejected or left retryable, else `run.failed`. */
  runEnded(run: Omit<EventBase, 'message'>, summary: DeliverySummary, succeeded: string): void {
    if (summary.rejected === 0 && summary.retryable === 0) this.emit('run.succeeded', { ...run, message: succeeded, ...runCounts(summary) });
    else this.runStopped(run, summary, `${summary.rejected} rejected and ${summary.retryable} retryable of ${summary.received} profile(s)`);
  }

  /** `run.failed`: the run ended with records not delivered, or `why` it did not finish. */
  runStopped(run: Omit<EventBase, 'message'>, summary: DeliverySummary, why: string): void {
    this.emit('run.failed', { ...run, message: why, ...runCounts(summary) });
  }

  emit<K extends DestinationEventName>(name: K, payload: DestinationEventMap[K][0]): void {
    try {
      (this.events.emit as (event: K, arg: DestinationEventMap[K][0]) => boolean)(name, this.redactor.redact(payload));
    } catch (error) {
      this.logger.error(`A listener of "${name}" threw; the plugin carries on`, { error: this.redactor.redact(error) });
    }
  }
}

function runCounts(summary: DeliverySummary): RunCounts {
  return { received: summary.received, delivered: summary.delivered, skipped: summary.skipped, rejected: summary.rejected, retryable: summary.retryable };
}
