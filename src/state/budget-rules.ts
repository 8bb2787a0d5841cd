import { MarketoApiError } from '../errors.js';
import type { BudgetSettings } from './shared-state.js';

/**
 * The pacing both budgets apply (SPEC §7): calls are spent evenly over the window, one every
 * `windowMs / callsPerWindow`, with a burst of a tenth of the window's calls after a quiet
 * spell. Under load, calls then wait a little instead of all leaving at once — which is what
 * lets records of other deliveries join a waiting call.
 */
export function pacing(settings: BudgetSettings): { intervalMs: number; burstToleranceMs: number } {
  const intervalMs = settings.windowMs / settings.callsPerWindow;
  const burst = Math.max(1, Math.ceil(settings.callsPerWindow / 10));
  return { intervalMs, burstToleranceMs: (burst - 1) * intervalMs };
}

/** Two plugin instances sharing an instance's budget share the stricter of their limits. */
export function stricter(a: BudgetSettings, b: BudgetSettings): BudgetSettings {
  return {
    callsPerWindow: Math.min(a.callsPerWindow, b.callsPerWindow),
    windowMs: Math.max(a.windowMs, b.windowMs),
    maxConcurrent: Math.min(a.maxConcurrent, b.maxConcurrent),
    dailyQuota: Math.min(a.dailyQuota, b.dailyQuota),
  };
}

/** The error a budget answers with, without calling Marketo, while the daily quota is gone. */
export function quotaGoneError(resetsAt: number): MarketoApiError {
  return new MarketoApiError('607', `Daily quota reached; calls resume at ${new Date(resetsAt).toISOString()}`, 'the call', true);
}
