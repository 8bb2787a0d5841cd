import type { DeliveryReport, DeliverySummary, RecordResult } from '../types.js';
import { isUnchanged, type GroupState } from './group-state.js';
import type { IntakeRejection } from './intake.js';

/**
 * Builds the report: exactly one result per input profile, in input order. Any input the
 * pipeline failed to account for becomes `retryable` — a record is never silently lost.
 * Outcomes are counted per input; created/updated/list changes per lead (coalesced inputs
 * share one write).
 */
export function buildReport(activationId: string, received: number, rejections: IntakeRejection[], states: GroupState[], apiCalls: number, dryRun = false): DeliveryReport {
  const results = new Array<RecordResult | undefined>(received);
  for (const rejection of rejections) {
    results[rejection.index] = { recordId: rejection.recordId, outcome: 'rejected', actions: [], reason: rejection.reason };
  }
  const summary: DeliverySummary = {
    received, delivered: 0, created: 0, updated: 0, addedToList: 0, removedFromList: 0, skipped: 0, rejected: 0, retryable: 0, unchanged: 0, apiCalls,
  };
  for (const state of states) {
    if (state.created) summary.created++;
    if (state.updated) summary.updated++;
    summary.addedToList += state.actions.filter((a) => a.startsWith('listAdded:')).length;
    summary.removedFromList += state.actions.filter((a) => a.startsWith('listRemoved:')).length;
    for (const record of state.group.records) results[record.index] = resultOf(record.recordId, state);
  }
  const complete = Array.from(results, (result, index) =>
    result ?? {
      recordId: `#${index}`,
      outcome: 'retryable' as const,
      actions: [],
      reason: { code: 'MARKETO_UNAVAILABLE' as const, message: 'The record was not processed; send it again.' },
      retryAfterMs: 0,
    },
  );
  for (const result of complete) {
    summary[result.outcome]++;
    if (result.actions.length === 1 && result.actions[0] === 'unchanged') summary.unchanged++;
  }
  return { activationId, ...(dryRun && { dryRun: true as const }), summary, results: complete };
}

/** What a record's result is read from: a delivery's group state, or a backfill's tracked group. */
export type ResultState = Pick<GroupState, 'leadId' | 'fromCache' | 'sent' | 'actions' | 'failure' | 'skip'>;

export function resultOf(recordId: string, state: ResultState): RecordResult {
  const leadId = state.leadId === undefined ? {} : { leadId: state.leadId };
  if (state.failure) {
    return {
      recordId,
      outcome: state.failure.outcome,
      ...leadId,
      actions: [...state.actions],
      reason: { ...state.failure.reason },
      ...(state.failure.retryAfterMs !== undefined && { retryAfterMs: state.failure.retryAfterMs }),
    };
  }
  if (state.skip) return { recordId, outcome: 'skipped', ...leadId, actions: [...state.actions], reason: { ...state.skip } };
  return { recordId, outcome: 'delivered', ...leadId, actions: isUnchanged(state) ? ['unchanged'] : [...state.actions] };
}
