import type { SandboxSeed } from '../src/sandbox/model.js';
import { DEFAULT_SEED } from '../src/sandbox/seed.js';
import type { MembershipStatus, ProfileEvent } from '../src/types.js';

/**
 * A benchmark workload: a Marketo instance seeded with the matched and duplicated leads, and
 * the profile events a host would send. Deterministic (a seeded generator), so runs compare.
 * Mix: 45 % matched, 10 % with two duplicate leads in different partitions, 35 % new,
 * 10 % repeats of an earlier profile; 1–3 audiences each; 20 % of memberships are exits.
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

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

export function makeProfile(index: number, email: string, statuses: Record<string, MembershipStatus>): ProfileEvent {
  return {
    recordId: `r-${index}`,
    identityMap: { Email: [{ id: email, primary: true }] },
    attributes: { person: { name: { firstName: `First${index % 997}`, lastName: `Last${index % 991}` } }, loyalty: { score: index % 100 } },
    segmentMembership: { ups: Object.fromEntries(Object.entries(statuses).map(([id, status]) => [id, { status }])) },
  };
}

export function makeWorkload(count: number, seedNumber = 42): Workload {
  const rand = random(seedNumber);
  const leads: SandboxSeed['leads'] = [];
  const profiles: ProfileEvent[] = [];
  let nextLeadId = 10_000;
  for (let i = 0; i < count; i++) {
    const roll = rand();
    const statuses: Record<string, MembershipStatus> = {};
    const audienceCount = 1 + Math.floor(rand() * 3);
    for (const audience of BENCH_AUDIENCES.slice(0, audienceCount)) statuses[audience.id] = rand() < 0.2 ? 'exited' : 'realized';
    if (roll < 0.1 && profiles.length > 0) {
      const earlier = profiles[Math.floor(rand() * profiles.length)]!;
      profiles.push(makeProfile(i, String(earlier.identityMap!.Email![0]!.id), statuses));
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
