import type { DestinationConfig, SyncType } from './types.js';

/** What a sync type does (SPEC §2.2), as data: the one place activation and delivery read it from. */
const SYNC_TYPES: Record<SyncType, { writesFields: boolean; syncsLists: boolean }> = {
  audience_and_profile: { writesFields: true, syncsLists: true },
  profile_only: { writesFields: true, syncsLists: false },
  audience_only: { writesFields: false, syncsLists: true },
};

export interface SyncRules {
  /** Matched leads get their mapped fields updated. */
  writesFields: boolean;
  /** Each activated audience has a static list whose membership follows the audience. */
  syncsLists: boolean;
  /** Unmatched profiles become new leads (the person action says so). */
  mayCreate: boolean;
}

export function syncRules(config: Pick<DestinationConfig, 'syncType' | 'personAction'>): SyncRules {
  const row = SYNC_TYPES[config.syncType];
  return { ...row, mayCreate: row.writesFields && config.personAction === 'update_and_create' };
}
