import { inject, injectable } from 'inversify';
import type { CallMeter } from '../marketo/client.js';
import { LeadsApi, type FoundLead } from '../marketo/endpoints/leads.js';
import type { MarketoTarget } from '../marketo/target.js';
import { dedupeKey } from '../delivery/profile-values.js';

export interface MatchedLead {
  id: number;
  updatedAt: number;
}

/**
 * Finds the Marketo lead for each dedupe value: one lookup across every partition per chunk of
 * values, and among duplicates the most recently updated lead (ties: the highest id). Sync
 * Leads would skip duplicates with 1007 instead of choosing, hence the explicit lookup.
 */
@injectable()
export class LeadMatcher {
  constructor(@inject(LeadsApi) private readonly leads: LeadsApi) {}

  /** Looks up one chunk (≤ 300 values); the map holds only values that matched. */
  async matchChunk(target: MarketoTarget, dedupeField: string, dataType: string, values: string[], meter: CallMeter): Promise<Map<string, MatchedLead>> {
    const found = await this.leads.lookup(target, dedupeField, values, ['id', 'updatedAt', dedupeField], meter);
    const byKey = new Map<string, MatchedLead>();
    for (const lead of found) {
      const value = lead[dedupeField];
      if (value === undefined || value === null) continue;
      const key = dedupeKey(String(value).trim(), dataType);
      byKey.set(key, LeadMatcher.pickMostRecent(byKey.get(key), lead));
    }
    return byKey;
  }

  static pickMostRecent(current: MatchedLead | undefined, candidate: FoundLead): MatchedLead {
    const parsed = candidate.updatedAt ? Date.parse(candidate.updatedAt) : Number.NaN;
    const next = { id: candidate.id, updatedAt: Number.isNaN(parsed) ? Number.NEGATIVE_INFINITY : parsed };
    if (!current) return next;
    if (next.updatedAt !== current.updatedAt) return next.updatedAt > current.updatedAt ? next : current;
    return next.id > current.id ? next : current;
  }
}
