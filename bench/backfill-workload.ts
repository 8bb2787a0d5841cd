import type { SandboxSeed } from '../src/sandbox/model.js';
import type { MembershipStatus, ProfileEvent } from '../src/types.js';
import { BENCH_AUDIENCES, makeProfile, random } from './workload.js';

/** The audience being loaded. */
export const FIRST_LOAD_AUDIENCE = BENCH_AUDIENCES[0]!;

/**
 * The backfill benchmark's workload: an audience's first load — every profile a member of the
 * newly activated audience (`realized`) — with the delivery benchmark's mix of leads (45 %
 * matched, 10 % with two duplicates in different partitions, 35 % new, 10 % repeats of an
 * earlier email). Generated lazily and deterministically, so that a million profiles never sit
 * in memory at once. `leads` is the instance it meets; `profiles` the stream a host sends.
 */
interface Drawn {
  index: number;
  email: string;
  statuses: Record<string, MembershipStatus>;
  kind: 'repeat' | 'matched' | 'duplicated' | 'new';
}

function* draws(count: number, seed: number): Generator<Drawn> {
  const rand = random(seed);
  for (let i = 0; i < count; i++) {
    const roll = rand();
    const statuses: Record<string, MembershipStatus> = { [FIRST_LOAD_AUDIENCE.id]: 'realized' };
    if (roll < 0.1 && i > 0) {
      yield { index: i, email: `person${Math.floor(rand() * i)}@bench.example.com`, statuses, kind: 'repeat' };
      continue;
    }
    yield { index: i, email: `person${i}@bench.example.com`, statuses, kind: roll < 0.55 ? 'matched' : roll < 0.65 ? 'duplicated' : 'new' };
  }
}

export function* backfillProfiles(count: number, seed = 7): Generator<ProfileEvent> {
  for (const d of draws(count, seed)) yield makeProfile(d.index, d.email, d.statuses);
}

/** The instance the stream meets, and SPEC §5's minimum for delivering all of it in one delivery by REST. */
export function backfillInstance(count: number, seed = 7): { leads: SandboxSeed['leads']; restMinimum: number; distinct: number } {
  const leads: SandboxSeed['leads'] = [];
  let nextLeadId = 10_000;
  // Per email: how many leads it has, and its last statuses (later events win).
  const groups = new Map<string, { leads: number; statuses: Record<string, MembershipStatus> }>();
  for (const d of draws(count, seed)) {
    let group = groups.get(d.email);
    if (!group) {
      group = { leads: d.kind === 'matched' ? 1 : d.kind === 'duplicated' ? 2 : 0, statuses: {} };
      groups.set(d.email, group);
      if (d.kind === 'matched') leads.push({ id: nextLeadId++, updatedAt: '2026-05-01T00:00:00Z', fields: { email: d.email, firstName: 'Old', lastName: 'Name' } });
      if (d.kind === 'duplicated') {
        leads.push({ id: nextLeadId++, updatedAt: '2025-01-01T00:00:00Z', fields: { email: d.email, firstName: 'Old', lastName: 'Dup' } });
        leads.push({ id: nextLeadId++, partition: 'EMEA', updatedAt: '2026-06-01T00:00:00Z', fields: { email: d.email, firstName: 'New', lastName: 'Dup' } });
      }
    }
    Object.assign(group.statuses, d.statuses);
  }
  const per = (n: number) => Math.ceil(n / 300);
  let lookups = 0;
  let chunkLeads = 0;
  let chunkValues = 0;
  let matched = 0;
  let created = 0;
  const added = new Map<string, number>();
  const removed = new Map<string, number>();
  for (const group of groups.values()) {
    chunkValues++;
    chunkLeads += group.leads;
    if (chunkValues === 300) {
      lookups += Math.max(1, per(chunkLeads));
      chunkValues = chunkLeads = 0;
    }
    const statuses = Object.values(group.statuses);
    const onlyExited = statuses.length > 0 && statuses.every((s) => s === 'exited');
    if (group.leads > 0) matched++;
    else if (!onlyExited) created++;
    else continue;
    for (const [audience, status] of Object.entries(group.statuses)) {
      if (status === 'exited' && group.leads > 0) removed.set(audience, (removed.get(audience) ?? 0) + 1);
      else if (status !== 'exited') added.set(audience, (added.get(audience) ?? 0) + 1);
    }
  }
  if (chunkValues > 0) lookups += Math.max(1, per(chunkLeads));
  const lists = [...added.values(), ...removed.values()].reduce((n, c) => n + per(c), 0);
  return { leads, restMinimum: lookups + per(matched) + per(created) + lists, distinct: groups.size };
}
