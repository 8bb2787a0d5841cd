import { inject, injectable } from 'inversify';
import type { CallMeter } from '../marketo/client.js';
import { isTooManyResults, LeadsApi, type FoundLead } from '../marketo/endpoints/leads.js';
import type { RecordBatch } from '../marketo/record-batch.js';
import { SharedCallQueue, SharedCalls } from '../marketo/shared-calls.js';
import type { MarketoTarget } from '../marketo/target.js';
import type { ResolvedOptions } from '../options.js';
import { TOKENS } from '../tokens.js';
import { dedupeKey } from './dedupe-key.js';

export interface MatchedLead {
  id: number;
  updatedAt: number;
}

/** Where to look: the activation (whose lookups are shared by its deliveries) and its dedupe field. */
export interface LookupScope {
  activationId: string;
  target: MarketoTarget;
  field: string;
  dataType: string;
}

/** The answer for one dedupe value. */
export type MatchOutcome =
  | { status: 'found'; lead: MatchedLead }
  | { status: 'notFound' }
  /** More than 1 000 leads share the value: Marketo cannot list them, nobody can choose. */
  | { status: 'tooBroad' }
  | { status: 'failed'; error: unknown };

type LookupAnswer = FoundLead[] | 'tooBroad';

/**
 * Finds the Marketo lead for each dedupe value: one lookup across every partition per call of
 * at most 300 values (shared with the activation's other deliveries), and among duplicates the
 * most recently updated lead (ties: the highest id). Sync Leads would skip duplicates with 1007
 * instead of choosing, hence the explicit lookup. A lookup answered `1003 Too many results` is
 * split, never its profiles rejected, down to the one value that is too broad.
 */
@injectable()
export class LeadMatcher {
  constructor(
    @inject(LeadsApi) private readonly leads: LeadsApi,
    @inject(SharedCalls) private readonly shared: SharedCalls,
    @inject(TOKENS.Options) private readonly options: ResolvedOptions,
  ) {}

  /** One outcome per distinct key of `values`. */
  async match(scope: LookupScope, values: ReadonlyArray<{ key: string; value: string }>, meter: CallMeter): Promise<Map<string, MatchOutcome>> {
    const queue = this.shared.queue<string, LookupAnswer>(scope.activationId, 'lookup', () =>
      new SharedCallQueue<string, LookupAnswer>(
        // Values go comma-separated in a form body (or the URL): at most three bytes a character.
        { maxRecords: this.options.limits.batchSize, maxBytes: 1_000_000, sizeOf: (value) => 3 * value.length + 3 },
        (batch) => this.lookupSplitting(scope, batch),
      ),
    );
    const distinct = [...new Map(values.map((v) => [v.key, v.value])).entries()];
    const answers = await queue.submit(distinct.map(([, value]) => value), meter);
    const outcomes = new Map<string, MatchOutcome>();
    distinct.forEach(([key], i) => {
      const answer = answers[i]!;
      if (!answer.ok) outcomes.set(key, { status: 'failed', error: answer.error });
      else if (answer.value === 'tooBroad') outcomes.set(key, { status: 'tooBroad' });
      else {
        const lead = answer.value.reduce<MatchedLead | undefined>((best, candidate) => LeadMatcher.pickMostRecent(best, candidate), undefined);
        outcomes.set(key, lead ? { status: 'found', lead } : { status: 'notFound' });
      }
    });
    return outcomes;
  }

  static pickMostRecent(current: MatchedLead | undefined, candidate: FoundLead): MatchedLead {
    const next = { id: candidate.id, updatedAt: parseMarketoTime(candidate.updatedAt) };
    if (!current) return next;
    if (next.updatedAt !== current.updatedAt) return next.updatedAt > current.updatedAt ? next : current;
    return next.id > current.id ? next : current;
  }

  /** The leads of each value of the batch, in order; a `1003 Too many results` splits the batch. */
  private async lookupSplitting(scope: LookupScope, batch: RecordBatch<string>): Promise<LookupAnswer[]> {
    let found: FoundLead[];
    try {
      found = await this.leads.lookup(scope.target, scope.field, batch, ['id', 'updatedAt', scope.field]);
    } catch (error) {
      if (!isTooManyResults(error)) throw error;
      if (batch.records.length === 1) return ['tooBroad'];
      const halves = await Promise.all(batch.split().map((half) => this.lookupSplitting(scope, half)));
      return halves.flat();
    }
    const byKey = new Map<string, FoundLead[]>();
    for (const lead of found) {
      const value = lead[scope.field];
      if (value === undefined || value === null) continue;
      const key = dedupeKey(value, scope.dataType);
      byKey.set(key, [...(byKey.get(key) ?? []), lead]);
    }
    return batch.records.map((value) => byKey.get(dedupeKey(value, scope.dataType)) ?? []);
  }
}

/**
 * Marketo's timestamps: ISO 8601 (`2026-11-20T10:00:00Z`), the older `2014-11-13 12:43:04`
 * (no zone: UTC), or the asset API's `…Z+0000`, which Date.parse does not read. Unreadable
 * ones sort first, never crash the choice.
 */
export function parseMarketoTime(value: unknown): number {
  if (typeof value !== 'string' || value.trim() === '') return Number.NEGATIVE_INFINITY;
  let text = value.trim().replace(/Z\+0000$/, 'Z');
  if (/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?$/.test(text)) text = `${text.replace(' ', 'T')}Z`;
  const parsed = Date.parse(text);
  return Number.isNaN(parsed) ? Number.NEGATIVE_INFINITY : parsed;
}
