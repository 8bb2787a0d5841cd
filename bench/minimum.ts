import type { SandboxStore } from '../src/sandbox/model.js';
import type { MembershipStatus, ProfileEvent } from '../src/types.js';
import { emailOf } from './workload.js';

export interface CallCounts {
  lookup: number;
  update: number;
  create: number;
  listAdd: number;
  listRemove: number;
}

export const emptyCounts = (): CallCounts => ({ lookup: 0, update: 0, create: 0, listAdd: 0, listRemove: 0 });

export function addCounts(a: CallCounts, b: CallCounts): CallCounts {
  return { lookup: a.lookup + b.lookup, update: a.update + b.update, create: a.create + b.create, listAdd: a.listAdd + b.listAdd, listRemove: a.listRemove + b.listRemove };
}

export const totalOf = (c: CallCounts) => c.lookup + c.update + c.create + c.listAdd + c.listRemove;

const keyOf = (p: ProfileEvent) => emailOf(p).trim().toLowerCase();
const per = (n: number, size = 300) => Math.ceil(n / size);

/**
 * The fewest calls one delivery can spend (SPEC §5), for `audience_and_profile` +
 * `update_and_create`, computed from the instance before the delivery: ⌈distinct/300⌉ lookups
 * (more when duplicates overflow a page), ⌈matched/300⌉ updates, ⌈new/300⌉ creates, and per
 * audience ⌈added/300⌉ adds and ⌈removed/300⌉ removes (a lead created now is in no list yet).
 * Profiles sharing an email count once, with their last status per audience. Beside it, what a
 * per-record integration spends: one call per profile per operation.
 */
export function deliveryCalls(profiles: ProfileEvent[], store: SandboxStore): { minimum: CallCounts; perRecord: CallCounts } {
  const groups = new Map<string, Map<string, MembershipStatus>>();
  for (const profile of profiles) {
    const statuses = groups.get(keyOf(profile)) ?? new Map<string, MembershipStatus>();
    for (const [id, m] of Object.entries(profile.segmentMembership?.ups ?? {})) statuses.set(id, m.status);
    groups.set(keyOf(profile), statuses);
  }
  const values = [...groups.keys()];
  const minimum = emptyCounts();
  for (let i = 0; i < values.length; i += 300) {
    const found = values.slice(i, i + 300).reduce((n, v) => n + store.findLeads('email', v).length, 0);
    minimum.lookup += Math.max(1, per(found));
  }
  let matched = 0;
  let created = 0;
  const added = new Map<string, number>();
  const removed = new Map<string, number>();
  for (const [value, statuses] of groups) {
    const isMatched = store.findLeads('email', value).length > 0;
    const onlyExited = statuses.size > 0 && [...statuses.values()].every((s) => s === 'exited');
    if (isMatched) matched++;
    else if (!onlyExited) created++;
    else continue;
    for (const [audience, status] of statuses) {
      if (status === 'exited' && isMatched) removed.set(audience, (removed.get(audience) ?? 0) + 1);
      else if (status !== 'exited') added.set(audience, (added.get(audience) ?? 0) + 1);
    }
  }
  minimum.update = per(matched);
  minimum.create = per(created);
  minimum.listAdd = [...added.values()].reduce((n, c) => n + per(c), 0);
  minimum.listRemove = [...removed.values()].reduce((n, c) => n + per(c), 0);

  const perRecord = emptyCounts();
  const seen = new Set<string>();
  for (const profile of profiles) {
    const value = keyOf(profile);
    const exists = store.findLeads('email', value).length > 0 || seen.has(value);
    const statuses = Object.values(profile.segmentMembership?.ups ?? {}).map((m) => m.status);
    const onlyExited = statuses.length > 0 && statuses.every((s) => s === 'exited');
    perRecord.lookup++;
    if (exists) perRecord.update++;
    else if (!onlyExited) perRecord.create++;
    if (!exists && onlyExited) continue;
    seen.add(value);
    for (const status of statuses) perRecord[status === 'exited' ? 'listRemove' : 'listAdd']++;
  }
  return { minimum, perRecord };
}

/**
 * The fewest calls a re-delivery can spend when only some of it changed (SPEC §5's formula
 * applied to the changes alone, as SPEC §8.2 allows): ⌈changed leads/300⌉ updates, per audience
 * ⌈flipped in/300⌉ adds and ⌈flipped out/300⌉ removes, ⌈unknown/300⌉ lookups for values with no
 * confirmed write (none for known leads), nothing for what did not change.
 */
export function changedWorkMinimum(changedLeads: number, added: ReadonlyMap<string, number>, removed: ReadonlyMap<string, number>, unknown = 0): CallCounts {
  return {
    lookup: per(unknown),
    update: per(changedLeads),
    create: 0,
    listAdd: [...added.values()].reduce((n, c) => n + per(c), 0),
    listRemove: [...removed.values()].reduce((n, c) => n + per(c), 0),
  };
}
