import { createPlugin, type MarketoDestinationPlugin } from '../../src/index.js';
import { SANDBOX_CREDENTIALS, startSandbox, type RunningSandbox, type SandboxOptions } from '../../src/sandbox/server.js';
import type { PluginOptions, ProfileEvent, RecordResult } from '../../src/types.js';
import { DEFAULT_SEED } from '../../src/sandbox/seed.js';
import { createLocalState } from '../../src/state/local/local-state.js';
import { virtualTime } from './marketo.js';

const SEEDED = new Set(DEFAULT_SEED.leads.map((lead) => lead.id));

export const AUDIENCE = { id: 'aud-r', name: 'Reliability audience' };
export const MAPPINGS = [
  { source: 'identityMap.Email', target: 'identity:DedupeField' },
  { source: 'first', target: 'firstName' },
  { source: 'last', target: 'lastName' },
  { source: 'score', target: 'leadScore' },
];

export function person(i: number, status: 'realized' | 'exited' = 'realized', email = `person${i}@example.com`): ProfileEvent {
  return {
    recordId: `r-${i}`,
    identityMap: { Email: [{ id: email }] },
    attributes: { first: `First${i}`, last: `Last${i}`, score: i },
    segmentMembership: { ups: { [AUDIENCE.id]: { status } } },
  };
}

/** The seeded people plus new ones: matches, duplicates and creates in one batch. */
export function mixedProfiles(count: number): ProfileEvent[] {
  const known = ['ann.lee@example.com', 'raj.patel@example.com', 'carla.gomez@example.com', 'li.wei@example.com', 'jo.smith@example.com'];
  return Array.from({ length: count }, (_, i) => (i < known.length ? person(i, i === 4 ? 'exited' : 'realized', known[i]) : person(i)));
}

export interface SandboxSession {
  sandbox: RunningSandbox;
  plugin: MarketoDestinationPlugin;
  activationId: string;
  clock: ReturnType<typeof virtualTime>['clock'];
  close(): Promise<void>;
}

/** A sandbox and a connected, activated plugin sharing one virtual clock. */
export async function sandboxSession(options: { sandbox?: SandboxOptions; plugin?: PluginOptions; config?: Record<string, unknown>; start?: number } = {}): Promise<SandboxSession> {
  const time = virtualTime(options.start);
  const sandbox = await startSandbox({ now: time.now, ...options.sandbox });
  const plugin = createPlugin({
    marketoBaseUrl: sandbox.url,
    now: time.now,
    sleep: time.sleep,
    localState: createLocalState(),
    retry: { maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 0 },
    ...options.plugin,
  });
  const { connectionId } = await plugin.connect({
    credentials: SANDBOX_CREDENTIALS,
    config: { name: 'Reliability', munchkinId: '123-ABC-456', syncType: 'audience_and_profile', personAction: 'update_and_create', dedupeField: 'email', ...options.config },
  });
  const { activationId } = await plugin.activate({ connectionId, audiences: [AUDIENCE], mappings: MAPPINGS });
  return {
    sandbox,
    plugin,
    activationId,
    clock: time.clock,
    close: async () => {
      await plugin.teardown();
      await sandbox.stop();
    },
  };
}

/**
 * Delivers, then replays the retryable records as a host would (after `retryAfterMs` on the
 * virtual clock) until none remain. Returns every delivery's reports and each record's final result.
 */
export async function deliverUntilSettled(session: SandboxSession, profiles: ProfileEvent[], maxRounds = 10) {
  const final = new Map<string, RecordResult>();
  const rounds: Array<{ results: RecordResult[] }> = [];
  let pending = profiles;
  for (let round = 0; round < maxRounds && pending.length > 0; round++) {
    const report = await session.plugin.deliver({ activationId: session.activationId, profiles: pending });
    if (report.results.length !== pending.length) throw new Error('one result per input was not kept');
    rounds.push(report);
    report.results.forEach((r) => final.set(r.recordId, r));
    const retryable = report.results.filter((r) => r.outcome === 'retryable');
    session.clock.advance(Math.max(0, ...retryable.map((r) => r.retryAfterMs ?? 0)) + 1);
    const ids = new Set(retryable.map((r) => r.recordId));
    pending = pending.filter((p) => ids.has(p.recordId));
  }
  return { final, rounds, leftover: pending };
}

/** Marketo's state as a marketer sees it: leads by email (partition, fields) and list members by email. */
export function marketoState(sandbox: RunningSandbox): unknown {
  const partitionName = (id: number) => sandbox.store.partitions.find((p) => p.id === id)?.name;
  const leads = [...sandbox.store.leads.values()]
    .map((lead) => ({ id: SEEDED.has(lead.id) ? lead.id : 'new', partition: partitionName(lead.partitionId), fields: lead.fields }))
    .sort((a, b) => String(a.fields.email).localeCompare(String(b.fields.email)) || String(a.id).localeCompare(String(b.id)));
  const emailOf = (id: number) => String(sandbox.store.leads.get(id)?.fields.email);
  const lists = [...sandbox.store.lists.values()].map((list) => ({ name: list.name, members: [...list.members].map(emailOf).sort() }));
  return { leads, lists };
}
