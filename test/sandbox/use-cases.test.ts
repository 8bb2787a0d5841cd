import { expect } from 'chai';
import { createPlugin } from '../../src/index.js';
import { SANDBOX_CREDENTIALS, startSandbox, type RunningSandbox } from '../../src/sandbox/server.js';
import type { ProfileEvent } from '../../src/types.js';
import { createLocalState } from '../../src/state/local/local-state.js';
import { virtualTime } from '../support/marketo.js';

/** SPEC §2.1 end to end over real HTTP, against the local Marketo sandbox. */
const MAPPINGS = [
  { source: 'identityMap.Email', target: 'identity:DedupeField' },
  { source: 'person.name.firstName', target: 'firstName' },
  { source: 'person.name.lastName', target: 'lastName' },
  { source: 'interest', target: 'productInterest' },
];
const AUDIENCE = { id: 'aud-winback', name: 'Winback 90 days' };

function person(recordId: string, email: string, first: string, last: string, status: 'realized' | 'exited' = 'realized'): ProfileEvent {
  return {
    recordId,
    identityMap: { Email: [{ id: email, primary: true }] },
    attributes: { person: { name: { firstName: first, lastName: last } }, interest: 'Analytics' },
    segmentMembership: { ups: { [AUDIENCE.id]: { status } } },
  };
}

const PROFILES = [
  person('r-ann', 'ann.lee@example.com', 'Ann', 'Lee'),
  person('r-carla', 'carla.gomez@example.com', 'Carla', 'Gomez-Ruiz'),
  person('r-new', 'nina.new@example.com', 'Nina', 'New'),
  person('r-raj', 'raj.patel@example.com', 'Raj', 'Patel', 'exited'),
];

describe('use cases against the Marketo sandbox', () => {
  let sandbox: RunningSandbox;
  let time: ReturnType<typeof virtualTime>;
  beforeEach(async () => {
    time = virtualTime();
    sandbox = await startSandbox({ now: time.now });
  });
  afterEach(async () => {
    await sandbox.stop();
  });

  async function run(config: Record<string, unknown>, profiles = PROFILES) {
    const plugin = createPlugin({ marketoBaseUrl: sandbox.url, retry: { baseDelayMs: 0, maxDelayMs: 0 }, now: time.now, sleep: time.sleep, localState: createLocalState() });
    const { connectionId } = await plugin.connect({
      credentials: SANDBOX_CREDENTIALS,
      config: { name: 'Sandbox', munchkinId: '123-ABC-456', dedupeField: 'email', ...config },
    });
    const activation = await plugin.activate({ connectionId, audiences: [AUDIENCE], mappings: MAPPINGS });
    const report = await plugin.deliver({ activationId: activation.activationId, profiles });
    await plugin.teardown();
    return { activation, report };
  }

  const lead = (id: number) => sandbox.store.leads.get(id)!;
  const listMembers = (listId: number) => [...sandbox.store.lists.get(listId)!.members].sort();

  it('1. re-engages known prospects only (audience only)', async () => {
    const leadsBefore = structuredClone([...sandbox.store.leads.values()]);
    const { activation, report } = await run({ syncType: 'audience_only' });
    const listId = activation.lists[AUDIENCE.id]!.listId;
    expect(activation.lists[AUDIENCE.id]!.created).to.equal(true);
    expect(listMembers(listId)).to.deep.equal([101, 203]);
    expect([...sandbox.store.leads.values()]).to.deep.equal(leadsBefore);
    expect(report.results.map((r) => r.outcome)).to.deep.equal(['delivered', 'delivered', 'skipped', 'delivered']);
  });

  it('2. re-engages and updates known prospects (audience and profile, update only)', async () => {
    const count = sandbox.store.leads.size;
    const { activation, report } = await run({ syncType: 'audience_and_profile', personAction: 'update_only' });
    expect(sandbox.store.leads.size).to.equal(count);
    expect(lead(203).fields).to.include({ lastName: 'Gomez-Ruiz', productInterest: 'Analytics' });
    expect(lead(103).fields.lastName).to.equal('Gomez'); // the older duplicate is untouched
    expect(listMembers(activation.lists[AUDIENCE.id]!.listId)).to.deep.equal([101, 203]);
    expect(report.results[2]!.reason!.code).to.equal('NO_MATCHING_LEAD');
  });

  it('3. re-engages and extends reach (audience and profile, update and create)', async () => {
    const { activation, report } = await run({ syncType: 'audience_and_profile', personAction: 'update_and_create', partition: 'APAC' });
    const created = report.results[2]!;
    expect(created.actions).to.deep.equal(['created', `listAdded:${AUDIENCE.id}`]);
    const newLead = lead(created.leadId!);
    expect(newLead.fields).to.include({ email: 'nina.new@example.com', firstName: 'Nina' });
    expect(newLead.partitionId).to.equal(3);
    expect(listMembers(activation.lists[AUDIENCE.id]!.listId)).to.deep.equal([101, 203, created.leadId!].sort());
    expect(report.summary).to.include({ received: 4, delivered: 4, created: 1, updated: 3, addedToList: 3 });
  });

  it('4. keeps profiles fresh (profile only), with no list', async () => {
    const { activation, report } = await run({ syncType: 'profile_only', personAction: 'update_and_create' });
    expect(activation.lists).to.deep.equal({});
    expect(report.summary).to.include({ delivered: 4, created: 1, updated: 3, addedToList: 0, removedFromList: 0 });
    expect(lead(102).fields.productInterest).to.equal('Analytics');
    expect(sandbox.store.lists.size).to.equal(1);
  });

  // Pending: the plugin creates its list folder directly under the Lead Database zone, which the
  // sandbox allows (Marketo's answer there is undocumented); SPEC §7 puts it in Group Lists.
  it('creates the list folder in the workspace\'s Group Lists (SPEC §7)', async () => {
    const { activation } = await run({ syncType: 'audience_only', listFolder: 'CDP Audiences' });
    const list = sandbox.store.lists.get(activation.lists[AUDIENCE.id]!.listId)!;
    const folder = sandbox.store.folders.get(list.folderId)!;
    expect(sandbox.store.folders.path(folder)).to.equal('/Lead Database/Default/Group Lists/CDP Audiences');
  });

  it('removes exited members, reusing the list on a second delivery', async () => {
    const first = await run({ syncType: 'audience_only' }, [person('r-raj', 'raj.patel@example.com', 'Raj', 'Patel')]);
    const listId = first.activation.lists[AUDIENCE.id]!.listId;
    expect(listMembers(listId)).to.deep.equal([102]);
    const second = await run({ syncType: 'audience_only' }, [person('r-raj', 'raj.patel@example.com', 'Raj', 'Patel', 'exited')]);
    expect(second.activation.lists[AUDIENCE.id]).to.deep.equal({ listId, listName: AUDIENCE.name, created: false });
    expect(listMembers(listId)).to.deep.equal([]);
    expect(second.report.results[0]!.actions).to.deep.equal([`listRemoved:${AUDIENCE.id}`]);
  });
});
