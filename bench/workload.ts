import type { SandboxSeed } from '../src/sandbox/model.js';
import type { MembershipStatus, ProfileEvent } from '../src/types.js';
import { DEFAULT_SEED } from './dist.js';

/**
 * Benchmark workloads: a Marketo instance seeded with the matched and duplicated leads, and the
 * profile events a host would send. Deterministic (a seeded generator), so runs compare.
 */
export interface Workload {
  seed: SandboxSeed;
  profiles: ProfileEvent[];
  audiences: Array<{ id: string; name: string }>;
}

export const BENCH_AUDIENCES = [
  { id: 'aud-1', name: 'Bench audience 1' },
  { id: 'aud-2', name: 'Bench audience 2' },
  { id: 'aud-3', name: 'Bench audience 3' },
];

export const BENCH_MAPPINGS = [
  { source: 'identityMap.Email', target: 'identity:DedupeField' },
  { source: 'person.name.firstName', target: 'firstName' },
  { source: 'person.name.lastName', target: 'lastName' },
  { source: 'loyalty.score', target: 'leadScore' },
];

/** `audience_and_profile` + `update_and_create`: the heaviest row of the matching table. */
export const BENCH_CONFIG = { name: 'Bench', munchkinId: '123-ABC-456', syncType: 'audience_and_profile', personAction: 'update_and_create', dedupeField: 'email' };

export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

export function makeProfile(index: number, email: string, statuses: Record<string, MembershipStatus>, score = index % 100): ProfileEvent {
  return {
    recordId: `r-${index}`,
    identityMap: { Email: [{ id: email, primary: true }] },
    attributes: { person: { name: { firstName: `First${index % 997}`, lastName: `Last${index % 991}` } }, loyalty: { score } },
    segmentMembership: { ups: Object.fromEntries(Object.entries(statuses).map(([id, status]) => [id, { status }])) },
  };
}

export const emailOf = (profile: ProfileEvent) => String(profile.identityMap!.Email![0]!.id);

/** Its 1–3 audiences, 20 % of them exits. */
function drawStatuses(rand: () => number): Record<string, MembershipStatus> {
  const statuses: Record<string, MembershipStatus> = {};
  const audienceCount = 1 + Math.floor(rand() * 3);
  for (const audience of BENCH_AUDIENCES.slice(0, audienceCount)) statuses[audience.id] = rand() < 0.2 ? 'exited' : 'realized';
  return statuses;
}

/**
 * The mixed workload: 45 % of profiles match one lead, 10 % two duplicate leads in different
 * partitions, 35 % are new, 10 % repeat the email of a profile sent earlier (the same person,
 * changed: other attributes and memberships); 1–3 audiences each, 20 % of memberships exits.
 * `repeatWithin` bounds how far back a repeat reaches: anywhere by default, or only the last
 * profiles (a stream in which neighbouring deliveries share some people).
 */
export function makeWorkload(count: number, seedNumber = 42, repeatWithin = Number.POSITIVE_INFINITY): Workload {
  const rand = random(seedNumber);
  const leads: SandboxSeed['leads'] = [];
  const profiles: ProfileEvent[] = [];
  let nextLeadId = 10_000;
  for (let i = 0; i < count; i++) {
    const roll = rand();
    const statuses = drawStatuses(rand);
    if (roll < 0.1 && profiles.length > 0) {
      const earlier = Number.isFinite(repeatWithin)
        ? profiles[profiles.length - 1 - Math.floor(rand() * Math.min(profiles.length, repeatWithin))]!
        : profiles[Math.floor(rand() * profiles.length)]!;
      profiles.push(makeProfile(i, emailOf(earlier), statuses));
      continue;
    }
    const email = `person${i}@bench.example.com`;
    if (roll < 0.55) leads.push({ id: nextLeadId++, updatedAt: '2026-05-01T00:00:00Z', fields: { email, firstName: 'Old', lastName: 'Name' } });
    else if (roll < 0.65) {
      leads.push({ id: nextLeadId++, updatedAt: '2025-01-01T00:00:00Z', fields: { email, firstName: 'Old', lastName: 'Dup' } });
      leads.push({ id: nextLeadId++, partition: 'EMEA', updatedAt: '2026-06-01T00:00:00Z', fields: { email, firstName: 'New', lastName: 'Dup' } });
    }
    profiles.push(makeProfile(i, email, statuses));
  }
  return { seed: { ...DEFAULT_SEED, lists: [], leads }, profiles, audiences: BENCH_AUDIENCES };
}

/** Cuts profiles into deliveries of `size`. */
export function deliveriesOf(profiles: ProfileEvent[], size: number): ProfileEvent[][] {
  const deliveries: ProfileEvent[][] = [];
  for (let i = 0; i < profiles.length; i += size) deliveries.push(profiles.slice(i, i + size));
  return deliveries;
}

/** One re-delivery of the steady-state workload, and what changed in it since the previous one. */
export interface Redelivery {
  profiles: ProfileEvent[];
  /** Profiles of which one mapped field changed (each is a known lead). */
  changedFields: number;
  /** Memberships flipped to "in the audience" and to `exited`, by audience. */
  added: Map<string, number>;
  removed: Map<string, number>;
}

export interface SteadyWorkload {
  seed: SandboxSeed;
  audiences: Array<{ id: string; name: string }>;
  first: ProfileEvent[];
  redeliveries: Redelivery[];
}

/**
 * Incremental sync: `count` people (60 % existing leads, 5 % with two duplicate leads, 35 %
 * new) in two audiences — the first with 80 % members, the second 50 % (the rest `exited`; a new
 * person is always a member of at least one, so that everyone has a lead after the first
 * delivery). Then `rounds` re-deliveries of everyone, each changing one mapped field (the score)
 * of 10 % of the people and flipping 5 % of the memberships.
 */
export function makeSteadyWorkload(count: number, rounds: number, seedNumber = 7): SteadyWorkload {
  const rand = random(seedNumber);
  const audiences = BENCH_AUDIENCES.slice(0, 2);
  const leads: SandboxSeed['leads'] = [];
  const people: Array<{ index: number; email: string; score: number; statuses: Record<string, MembershipStatus> }> = [];
  let nextLeadId = 10_000;
  for (let i = 0; i < count; i++) {
    const email = `steady${i}@bench.example.com`;
    const roll = rand();
    if (roll < 0.6) leads.push({ id: nextLeadId++, updatedAt: '2026-05-01T00:00:00Z', fields: { email, firstName: 'Old', lastName: 'Name' } });
    else if (roll < 0.65) {
      leads.push({ id: nextLeadId++, updatedAt: '2025-01-01T00:00:00Z', fields: { email, firstName: 'Old', lastName: 'Dup' } });
      leads.push({ id: nextLeadId++, partition: 'EMEA', updatedAt: '2026-06-01T00:00:00Z', fields: { email, firstName: 'New', lastName: 'Dup' } });
    }
    const statuses: Record<string, MembershipStatus> = {
      'aud-1': rand() < 0.8 ? 'realized' : 'exited',
      'aud-2': rand() < 0.5 ? 'realized' : 'exited',
    };
    if (roll >= 0.65 && statuses['aud-1'] === 'exited' && statuses['aud-2'] === 'exited') statuses['aud-1'] = 'realized';
    people.push({ index: i, email, score: i % 100, statuses });
  }
  const snapshot = () => people.map((p) => makeProfile(p.index, p.email, { ...p.statuses }, p.score));
  const first = snapshot();
  const redeliveries: Redelivery[] = [];
  for (let round = 0; round < rounds; round++) {
    const changed = pick(rand, count, Math.round(count * 0.1));
    for (const i of changed) people[i]!.score += 1;
    const added = new Map<string, number>();
    const removed = new Map<string, number>();
    for (const pair of pick(rand, count * audiences.length, Math.round(count * audiences.length * 0.05))) {
      const person = people[Math.floor(pair / audiences.length)]!;
      const audience = audiences[pair % audiences.length]!.id;
      const next: MembershipStatus = person.statuses[audience] === 'exited' ? 'realized' : 'exited';
      person.statuses[audience] = next;
      const counts = next === 'exited' ? removed : added;
      counts.set(audience, (counts.get(audience) ?? 0) + 1);
    }
    redeliveries.push({ profiles: snapshot(), changedFields: changed.length, added, removed });
  }
  return { seed: { ...DEFAULT_SEED, lists: [], leads }, audiences, first, redeliveries };
}

/** `n` distinct numbers below `size`, drawn from `rand`. */
function pick(rand: () => number, size: number, n: number): number[] {
  const chosen = new Set<number>();
  while (chosen.size < n) chosen.add(Math.floor(rand() * size));
  return [...chosen];
}
