import { inject, injectable } from 'inversify';
import { ActivationRegistry, type Activation } from '../activation/activations.js';
import { requireObject } from '../connection/connector.js';
import { InvalidRequestError } from '../errors.js';
import { CallMeter } from '../marketo/client.js';
import type { ResolvedOptions } from '../options.js';
import { EventPublisher } from '../support/event-publisher.js';
import { SecretRedactor } from '../support/redaction.js';
import { TOKENS, type Clock } from '../tokens.js';
import type { DeliverRequest, DeliveryReport, Logger } from '../types.js';
import { failureFromError } from './failures.js';
import { ProfileIntake } from './intake.js';
import { coalesce } from './plan.js';
import { buildReport } from './report.js';
import { DeliveryRunner, type GroupState } from './runner.js';

const TORN_DOWN_REMEMBERED = 10_000;

/**
 * The deliver hook: intake → coalesce → run against Marketo → report → alerts. It throws only
 * for caller errors; every Marketo or data problem ends up in the report, one result per input.
 */
@injectable()
export class Deliverer {
  private readonly inFlight = new Map<string, Set<Promise<unknown>>>();
  private readonly tornDown = new Set<string>();

  constructor(
    @inject(ActivationRegistry) private readonly activations: ActivationRegistry,
    @inject(ProfileIntake) private readonly intake: ProfileIntake,
    @inject(DeliveryRunner) private readonly runner: DeliveryRunner,
    @inject(EventPublisher) private readonly publisher: EventPublisher,
    @inject(TOKENS.Options) private readonly options: ResolvedOptions,
    @inject(TOKENS.Clock) private readonly now: Clock,
    @inject(TOKENS.Logger) private readonly logger: Logger,
    @inject(SecretRedactor) private readonly redactor: SecretRedactor,
  ) {}

  deliver(request: DeliverRequest): Promise<DeliveryReport> {
    requireObject(request, 'deliver');
    if (typeof request.activationId === 'string' && this.tornDown.has(request.activationId) && !this.activations.find(request.activationId)) {
      throw new InvalidRequestError('TORN_DOWN', `The activation ${request.activationId} was torn down; activate or restore it again before delivering.`);
    }
    const activation = this.activations.get(request.activationId);
    if (!Array.isArray(request.profiles)) {
      throw new InvalidRequestError('MALFORMED_REQUEST', 'deliver(): "profiles" must be a list of profile events.');
    }
    const run = this.run(activation, request.profiles);
    const runs = this.inFlight.get(activation.id) ?? new Set();
    this.inFlight.set(activation.id, runs);
    runs.add(run);
    const settle = () => {
      runs.delete(run);
      if (runs.size === 0 && this.inFlight.get(activation.id) === runs) this.inFlight.delete(activation.id);
    };
    void run.then(settle, settle);
    return run;
  }

  /** Waits for the deliveries in flight (of one activation, or all), then refuses new ones. */
  async drain(activationIds: string[]): Promise<void> {
    for (const id of activationIds) this.rememberTornDown(id);
    await Promise.allSettled(activationIds.flatMap((id) => [...(this.inFlight.get(id) ?? [])]));
  }

  /** Torn-down ids are remembered only to name the caller's mistake; a bounded memory is enough. */
  private rememberTornDown(activationId: string): void {
    this.tornDown.delete(activationId);
    this.tornDown.add(activationId);
    if (this.tornDown.size > TORN_DOWN_REMEMBERED) this.tornDown.delete(this.tornDown.values().next().value!);
  }

  private async run(activation: Activation, profiles: unknown[]): Promise<DeliveryReport> {
    const activationId = activation.id;
    const base = { activationId, connectionId: activation.connectionId };
    this.publisher.emit('run.started', { ...base, message: `Delivering ${profiles.length} profile(s) to Marketo`, received: profiles.length });
    const meter = new CallMeter();
    const { accepted, rejected } = this.intake.take(activation, profiles);
    const groups = coalesce(accepted);
    let states: GroupState[];
    try {
      states = await this.runner.run(activation, groups, meter);
    } catch (error) {
      // A failure outside any one Marketo call (a bug): every accepted record goes back to the host.
      this.logger.error('Delivery failed unexpectedly; its records are reported retryable', { activationId, error });
      const failure = failureFromError(error, this.now(), this.options);
      states = groups.map((group) => ({ group, created: false, updated: false, actions: [], failure: { ...failure, outcome: 'retryable' } }));
    }
    const report = buildReport(activationId, profiles.length, rejected, states, meter.calls);
    // Reasons quote Marketo's own messages, which must not carry a secret back to the host.
    for (const result of report.results) if (result.reason) result.reason.message = this.redactor.redactText(result.reason.message);
    this.announce(report, activation.target.munchkinId, activation.connectionId);
    return report;
  }

  private announce(report: DeliveryReport, munchkinId: string, connectionId: string): void {
    const { summary, activationId } = report;
    const base = { activationId, connectionId };
    const counts = { received: summary.received, delivered: summary.delivered, skipped: summary.skipped, rejected: summary.rejected, retryable: summary.retryable };
    if (summary.rejected > 0) {
      const codes: Record<string, number> = {};
      for (const result of report.results) {
        if (result.outcome === 'rejected' && result.reason) {
          const code = result.reason.marketoCode ? `${result.reason.code}:${result.reason.marketoCode}` : result.reason.code;
          codes[code] = (codes[code] ?? 0) + 1;
        }
      }
      this.publisher.emit('records.rejected', { ...base, message: `${summary.rejected} record(s) rejected`, count: summary.rejected, codes });
    }
    const permission = report.results.find((r) => r.reason?.code === 'PERMISSION_DENIED');
    if (permission) {
      // 603 is a missing permission; without a Marketo code the credentials themselves were refused.
      const kind = permission.reason!.marketoCode === '603' ? 'permission' : 'authentication';
      this.publisher.emit('auth.failed', { ...base, message: permission.reason!.message, munchkinId, stage: 'deliver', kind });
    }
    if (summary.rejected === 0 && summary.retryable === 0) {
      this.publisher.emit('run.succeeded', { ...base, message: `Delivered ${summary.delivered} profile(s), skipped ${summary.skipped}`, ...counts });
    } else {
      this.publisher.emit('run.failed', { ...base, message: `${summary.rejected} rejected and ${summary.retryable} retryable of ${summary.received} profile(s)`, ...counts });
    }
  }
}
