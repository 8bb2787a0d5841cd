import { inject, injectable } from 'inversify';
import { ActivationRegistry } from '../activation/activations.js';
import { Deliverer } from '../delivery/deliverer.js';
import { ProfileIntake } from '../delivery/intake.js';
import { fieldsRequiredToCreate } from '../delivery/planner.js';
import { RestWrites } from '../delivery/rest-writes.js';
import { WriteLocking } from '../delivery/write-locking.js';
import { InvalidRequestError } from '../errors.js';
import { BulkImportApi } from '../marketo/endpoints/bulk-import.js';
import type { DestinationManifest } from '../manifest/types.js';
import { LeadMatcher } from '../matching/lead-matcher.js';
import type { ResolvedOptions } from '../options.js';
import type { SharedState } from '../state/shared-state.js';
import { EventPublisher } from '../support/event-publisher.js';
import { TOKENS, type Clock, type Sleep } from '../tokens.js';
import type { BackfillReport, BackfillRequest } from '../types.js';
import { BackfillRun } from './backfill-run.js';
import { ImportPace } from './import-pace.js';
import { ImportRunner } from './import-runner.js';

/**
 * The backfill hook (SPEC §8.3): an audience's first load through Bulk Lead Import, matched
 * exactly as `deliver` matches. Like `deliver`, it throws only for caller errors; teardown
 * drains it, and refuses a new one once begun.
 */
@injectable()
export class Backfiller {
  private readonly requiredToCreate: string[];

  constructor(
    @inject(ActivationRegistry) private readonly activations: ActivationRegistry,
    @inject(Deliverer) private readonly deliverer: Deliverer,
    @inject(ProfileIntake) private readonly intake: ProfileIntake,
    @inject(LeadMatcher) private readonly matcher: LeadMatcher,
    @inject(WriteLocking) private readonly locking: WriteLocking,
    @inject(RestWrites) private readonly writes: RestWrites,
    @inject(BulkImportApi) private readonly bulk: BulkImportApi,
    @inject(TOKENS.SharedState) private readonly state: SharedState,
    @inject(TOKENS.Options) private readonly options: ResolvedOptions,
    @inject(TOKENS.Clock) private readonly now: Clock,
    @inject(TOKENS.Sleep) private readonly sleep: Sleep,
    @inject(EventPublisher) private readonly publisher: EventPublisher,
    @inject(TOKENS.Manifest) manifest: DestinationManifest,
  ) {
    this.requiredToCreate = fieldsRequiredToCreate(manifest);
  }

  backfill(request: BackfillRequest): Promise<BackfillReport> {
    const activation = this.activations.forDelivery(request.activationId);
    const profiles = request.profiles as unknown;
    const iterable = profiles !== null && typeof profiles === 'object' && (Symbol.iterator in profiles || Symbol.asyncIterator in profiles);
    if (!iterable) throw new InvalidRequestError('MALFORMED_REQUEST', 'backfill(): "profiles" must be an iterable or async iterable of profile events (an array, a generator, an object stream).');
    for (const hook of ['onResult', 'onProgress'] as const) {
      if (request[hook] !== undefined && typeof request[hook] !== 'function') throw new InvalidRequestError('MALFORMED_REQUEST', `backfill(): "${hook}" must be a function when given.`);
    }
    const pace = new ImportPace(this.now);
    const run = new BackfillRun(activation, {
      intake: this.intake,
      matcher: this.matcher,
      locking: this.locking,
      writes: this.writes,
      cache: this.state.leadCache(this.options.leadCache),
      runner: (meter) => new ImportRunner(this.bulk, activation.target, meter, this.sleep, this.options.bulk.pollIntervalMs, pace),
      options: this.options,
      requiredToCreate: this.requiredToCreate,
      now: this.now,
    }, request);
    const base = { activationId: activation.id, connectionId: activation.connectionId };
    this.publisher.emit('run.started', { ...base, message: 'Backfilling profiles into Marketo through Bulk Lead Import', received: 0 });
    return this.deliverer.track(
      activation.id,
      run.execute().then(
        (report) => {
          this.publisher.rejectedRecords(base, report.summary, () => run.rejectedCodes);
          this.publisher.runEnded(base, report.summary, `Backfilled ${report.summary.delivered} profile(s), skipped ${report.summary.skipped}`);
          return report;
        },
        (error: unknown) => {
          // The host's stream failed (the profiles read before it have their results) or the run did.
          const { summary } = run;
          this.publisher.rejectedRecords(base, summary, () => run.rejectedCodes);
          this.publisher.runStopped(base, summary, `The backfill stopped after ${summary.received} profile(s): its input or the run failed`);
          throw error;
        },
      ),
    );
  }
}
