import { inject, injectable } from 'inversify';
import { ActivationRegistry, type Activation } from '../activation/activations.js';
import { InvalidRequestError } from '../errors.js';
import { CallMeter } from '../marketo/client.js';
import { EventPublisher } from '../support/event-publisher.js';
import { SecretRedactor } from '../support/redaction.js';
import type { DeliverRequest, DeliveryReport } from '../types.js';
import { coalesce } from './coalesce.js';
import { ProfileIntake } from './intake.js';
import { LeadSync } from './lead-sync.js';
import { buildReport } from './report.js';

/**
 * The deliver hook: intake → coalesce → bring Marketo in line (lead sync) → report → alerts.
 * It throws only for caller errors; every Marketo or data problem ends up in the report, one
 * result per input.
 */
@injectable()
export class Deliverer {
  private readonly inFlight = new Map<string, Set<Promise<unknown>>>();
  /** Deliveries (not dry runs, not backfills) of each activation running now: the ones that share calls. */
  private readonly writing = new Map<string, number>();

  constructor(
    @inject(ActivationRegistry) private readonly activations: ActivationRegistry,
    @inject(ProfileIntake) private readonly intake: ProfileIntake,
    @inject(LeadSync) private readonly sync: LeadSync,
    @inject(EventPublisher) private readonly publisher: EventPublisher,
    @inject(SecretRedactor) private readonly redactor: SecretRedactor,
  ) {}

  deliver(request: DeliverRequest): Promise<DeliveryReport> {
    const activation = this.activations.forDelivery(request.activationId);
    if (!Array.isArray(request.profiles)) {
      throw new InvalidRequestError('MALFORMED_REQUEST', 'deliver(): "profiles" must be a list of profile events.');
    }
    if (request.dryRun !== undefined && typeof request.dryRun !== 'boolean') {
      throw new InvalidRequestError('MALFORMED_REQUEST', 'deliver(): "dryRun" must be true or false when given.');
    }
    return this.track(activation.id, this.run(activation, request.profiles, request.dryRun === true));
  }

  /** Waits for the deliveries in flight of these activations (teardown has already refused new ones). */
  async drain(activationIds: readonly string[]): Promise<void> {
    await Promise.allSettled(activationIds.flatMap((id) => [...(this.inFlight.get(id) ?? [])]));
  }

  /** Remembers a run of an activation until it settles, for teardown to drain. */
  track<T>(activationId: string, run: Promise<T>): Promise<T> {
    const runs = this.inFlight.get(activationId) ?? new Set();
    this.inFlight.set(activationId, runs);
    runs.add(run);
    const settle = () => {
      runs.delete(run);
      if (runs.size === 0 && this.inFlight.get(activationId) === runs) this.inFlight.delete(activationId);
    };
    void run.then(settle, settle);
    return run;
  }

  private async run(activation: Activation, profiles: unknown[], dryRun: boolean): Promise<DeliveryReport> {
    const base = { activationId: activation.id, connectionId: activation.connectionId };
    this.publisher.emit('run.started', { ...base, message: `${dryRun ? 'Dry run of' : 'Delivering'} ${profiles.length} profile(s) to Marketo`, received: profiles.length });
    const meter = new CallMeter();
    const { accepted, rejected } = this.intake.take(activation, profiles);
    const states = dryRun
      ? await this.sync.run(activation, coalesce(accepted), meter, { dryRun })
      : await this.writingRun(activation.id, () => this.sync.run(activation, coalesce(accepted), meter, { alone: () => this.writing.get(activation.id) === 1 }));
    const report = buildReport(activation.id, profiles.length, rejected, states, meter.calls, dryRun);
    // Reasons quote Marketo's own messages, which must not carry a secret back to the host.
    for (const result of report.results) if (result.reason) result.reason.message = this.redactor.redactText(result.reason.message);
    this.announce(report, activation.target.munchkinId, activation.connectionId);
    return report;
  }

  private async writingRun<T>(activationId: string, work: () => Promise<T>): Promise<T> {
    this.writing.set(activationId, (this.writing.get(activationId) ?? 0) + 1);
    try {
      return await work();
    } finally {
      const left = this.writing.get(activationId)! - 1;
      if (left === 0) this.writing.delete(activationId);
      else this.writing.set(activationId, left);
    }
  }

  private announce(report: DeliveryReport, munchkinId: string, connectionId: string): void {
    const { summary, activationId } = report;
    const base = { activationId, connectionId };
    this.publisher.rejectedRecords(base, summary, () => {
      const codes: Record<string, number> = {};
      for (const result of report.results) {
        if (result.outcome === 'rejected' && result.reason) {
          const code = result.reason.marketoCode ? `${result.reason.code}:${result.reason.marketoCode}` : result.reason.code;
          codes[code] = (codes[code] ?? 0) + 1;
        }
      }
      return codes;
    });
    const permission = report.results.find((r) => r.reason?.code === 'PERMISSION_DENIED');
    if (permission) {
      // 603 is a missing permission; without a Marketo code the credentials themselves were refused.
      const kind = permission.reason!.marketoCode === '603' ? 'permission' : 'authentication';
      this.publisher.emit('auth.failed', { ...base, message: permission.reason!.message, munchkinId, stage: 'deliver', kind });
    }
    this.publisher.runEnded(base, summary, `Delivered ${summary.delivered} profile(s), skipped ${summary.skipped}`);
  }

}
