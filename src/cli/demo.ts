import { createPlugin } from '../index.js';
import type { SandboxLead } from '../sandbox/model.js';
import { SANDBOX_CREDENTIALS, startSandbox, type RunningSandbox } from '../sandbox/server.js';
import type { DeliverySummary, ProfileEvent, RecordResult } from '../types.js';
import type { Output } from './io.js';

export const DEMO_HELP = `Usage: marketo-destination demo

Starts the local Marketo sandbox on a free loopback port and runs the four use cases of the
destination through the real plugin hooks (connect → activate → deliver). For each profile it
prints the lead matched (the newest among duplicates), the fields changed, the list membership
change, or why the profile was skipped; for each use case, what changed in Marketo — read from
the sandbox, so re-adding a member or removing a non-member counts for nothing — and the
delivery report's counts.`;

const AUDIENCE = { id: 'aud-winback', name: 'Winback 90 days' };
const MAPPINGS = [
  { source: 'identityMap.Email', target: 'identity:DedupeField' },
  { source: 'person.name.firstName', target: 'firstName' },
  { source: 'person.name.lastName', target: 'lastName' },
  { source: 'preferences.productInterest', target: 'productInterest' },
];

function person(recordId: string, email: string, first: string, last: string, status: 'realized' | 'exited', interest: string): ProfileEvent {
  return {
    recordId,
    identityMap: { Email: [{ id: email, primary: true }], ECID: [{ id: `ecid-${recordId}` }] },
    attributes: { person: { name: { firstName: first, lastName: last } }, preferences: { productInterest: interest } },
    segmentMembership: { ups: { [AUDIENCE.id]: { status, lastQualificationTime: '2026-11-20T10:00:00Z' } } },
  };
}

/** Known leads (one with a duplicate in another partition), a newcomer, and one who left the audience. */
const PROFILES: ProfileEvent[] = [
  person('p-ann', 'ann.lee@example.com', 'Ann', 'Lee', 'realized', 'Analytics'),
  person('p-carla', 'carla.gomez@example.com', 'Carla', 'Gómez', 'realized', 'Data platform'),
  person('p-nina', 'nina.novak@example.com', 'Nina', 'Novak', 'realized', 'Analytics'),
  person('p-jo', 'jo.smith@example.com', 'Jo', 'Smith', 'exited', 'Email'),
];

const USE_CASES: Array<{ title: string; config: Record<string, unknown>; seedListMember?: string }> = [
  { title: 'Re-engage known prospects only', config: { syncType: 'audience_only' }, seedListMember: 'jo.smith@example.com' },
  { title: 'Re-engage and update known prospects', config: { syncType: 'audience_and_profile', personAction: 'update_only' }, seedListMember: 'jo.smith@example.com' },
  { title: 'Re-engage and extend reach', config: { syncType: 'audience_and_profile', personAction: 'update_and_create', partition: 'EMEA' } },
  { title: 'Keep profiles fresh', config: { syncType: 'profile_only', personAction: 'update_and_create', partition: 'APAC' } },
];

export async function demoCommand(io: Output): Promise<number> {
  io.out('Marketo Engage destination — demo against the local Marketo sandbox');
  io.out('Profiles delivered in every use case:');
  for (const p of PROFILES) {
    const status = Object.values(p.segmentMembership!.ups!)[0]!.status;
    io.out(`  ${p.recordId.padEnd(8)} ${String(p.identityMap!.Email![0]!.id).padEnd(26)} audience "${AUDIENCE.name}": ${status}`);
  }
  for (const [index, useCase] of USE_CASES.entries()) {
    const sandbox = await startSandbox();
    try {
      await runUseCase(index + 1, useCase, sandbox, io);
    } finally {
      await sandbox.stop();
    }
  }
  io.out('');
  io.out('All four use cases ran through connect → activate → deliver against the sandbox.');
  return 0;
}

async function runUseCase(number: number, useCase: (typeof USE_CASES)[number], sandbox: RunningSandbox, io: Output): Promise<void> {
  const plugin = createPlugin({ marketoBaseUrl: sandbox.url });
  try {
    const config = { name: `Demo ${number}`, munchkinId: '123-ABC-456', dedupeField: 'email', ...useCase.config };
    io.out('');
    io.out(`${number}. ${useCase.title} — ${Object.entries(useCase.config).map(([k, v]) => `${k}: ${String(v)}`).join(', ')}`);
    const { connectionId, config: settings } = await plugin.connect({ credentials: SANDBOX_CREDENTIALS, config });
    if (useCase.seedListMember) await seedExistingMembership(plugin, connectionId, sandbox, useCase.seedListMember);
    const before = snapshot(sandbox);
    const activation = await plugin.activate({ connectionId, audiences: [AUDIENCE], mappings: MAPPINGS });
    const list = activation.lists[AUDIENCE.id];
    if (list) io.out(`   list "${list.listName}" (#${list.listId}) ${list.created ? `created in folder "${String(settings.listFolder)}"` : 'reused'}`);
    else io.out('   no list: profile only never touches list membership');
    const report = await plugin.deliver({ activationId: activation.activationId, profiles: PROFILES });
    for (const [i, result] of report.results.entries()) io.out(`   ${describeResult(PROFILES[i]!, result, before, sandbox, list?.listId)}`);
    io.out(`   in Marketo: ${changesLine(before, sandbox, list?.listId)}`);
    io.out(`   report: ${reportLine(report.summary)}`);
  } finally {
    await plugin.teardown();
  }
}

/** Jo was in the audience list before; the demo needs the list to exist with Jo in it. */
async function seedExistingMembership(plugin: ReturnType<typeof createPlugin>, connectionId: string, sandbox: RunningSandbox, email: string): Promise<void> {
  const { activationId, lists } = await plugin.activate({ connectionId, audiences: [AUDIENCE], mappings: MAPPINGS.slice(0, 1) });
  const lead = [...sandbox.store.leads.values()].find((l) => l.fields.email === email);
  if (lead) sandbox.store.lists.get(lists[AUDIENCE.id]!.listId)?.members.add(lead.id);
  await plugin.teardown({ activationId });
}

interface Snapshot {
  leads: Map<number, SandboxLead>;
  members: Map<number, Set<number>>;
}

function snapshot(sandbox: RunningSandbox): Snapshot {
  return {
    leads: new Map([...sandbox.store.leads].map(([id, lead]) => [id, structuredClone(lead)])),
    members: new Map([...sandbox.store.lists].map(([id, list]) => [id, new Set(list.members)])),
  };
}

function describeResult(profile: ProfileEvent, result: RecordResult, before: Snapshot, sandbox: RunningSandbox, listId: number | undefined): string {
  const email = String(profile.identityMap!.Email![0]!.id).padEnd(26);
  if (result.outcome !== 'delivered') return `${email} ${result.outcome}: ${result.reason?.code} — ${result.reason?.message}`;
  const lead = sandbox.store.leads.get(result.leadId!)!;
  const partition = sandbox.store.partitions.find((p) => p.id === lead.partitionId)?.name;
  const duplicates = [...before.leads.values()].filter((l) => String(l.fields.email).toLowerCase() === String(profile.identityMap!.Email![0]!.id).toLowerCase());
  const parts: string[] = [];
  if (result.actions.includes('created')) parts.push(`created lead ${lead.id} in ${partition}`);
  else parts.push(`lead ${lead.id} (${partition})${duplicates.length > 1 ? ` — newest of ${duplicates.length} duplicates (${duplicates.map((d) => d.id).join(', ')})` : ''}`);
  const old = before.leads.get(lead.id);
  const changed = old ? changedFields(old, lead).map((k) => `${k}: ${JSON.stringify(old.fields[k] ?? null)} → ${JSON.stringify(lead.fields[k])}`) : [];
  if (changed.length > 0) parts.push(`updated ${changed.join(', ')}`);
  else if (!result.actions.includes('created')) parts.push('fields untouched');
  if (listId !== undefined) {
    const wasMember = before.members.get(listId)?.has(lead.id) ?? false;
    if (result.actions.some((a) => a.startsWith('listAdded:'))) parts.push(wasMember ? 'already in list' : 'added to list');
    if (result.actions.some((a) => a.startsWith('listRemoved:'))) parts.push(wasMember ? 'removed from list' : 'not in list, nothing to remove');
  }
  return `${email} ${parts.join('; ')}`;
}

function changedFields(old: SandboxLead, lead: SandboxLead): string[] {
  return Object.keys(lead.fields).filter((k) => old.fields[k] !== lead.fields[k]);
}

/**
 * What changed in Marketo, read from the sandbox before and after: a lead counts as updated
 * only when a value changed, a membership only when the lead was not (or no longer is) a member.
 * The report's own summary counts what Marketo confirmed, which includes no-ops.
 */
function changesLine(before: Snapshot, sandbox: RunningSandbox, listId: number | undefined): string {
  const leads = [...sandbox.store.leads.values()];
  const created = leads.filter((lead) => !before.leads.has(lead.id)).length;
  const updated = leads.filter((lead) => {
    const old = before.leads.get(lead.id);
    return old !== undefined && changedFields(old, lead).length > 0;
  }).length;
  const parts = [`${created} lead(s) created`, `${updated} lead(s) changed`];
  if (listId !== undefined) {
    const was = before.members.get(listId) ?? new Set<number>();
    const is = sandbox.store.lists.get(listId)?.members ?? new Set<number>();
    parts.push(`${[...is].filter((id) => !was.has(id)).length} joined the list`, `${[...was].filter((id) => !is.has(id)).length} left it`);
  }
  return parts.join(' · ');
}

function reportLine(s: DeliverySummary): string {
  return `received ${s.received} · delivered ${s.delivered} · skipped ${s.skipped} · rejected ${s.rejected} · retryable ${s.retryable} · Marketo calls ${s.apiCalls}`;
}
