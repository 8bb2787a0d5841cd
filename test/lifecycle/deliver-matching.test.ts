import { expect } from 'chai';
import nock from 'nock';
import type { DeliveryReport } from '../../src/index.js';
import { envelope, marketo } from '../support/marketo.js';
import { AUDIENCE, lead, LIST_ID, lookupQuery, profile, session } from '../support/delivery.js';

/**
 * SPEC §2.2, every row × { matched (ann), unmatched (bob), two duplicates in different
 * partitions (cat: lead 70 older in Default, lead 71 newer in EMEA — only 71 is touched) }.
 */
const PROFILES = [profile('r-ann', 'ann@example.com'), profile('r-bob', 'bob@example.com'), profile('r-cat', 'cat@example.com')];
const FOUND = [lead(50, 'ann@example.com'), lead(70, 'Cat@Example.com', '2026-01-05T00:00:00Z'), lead(71, 'cat@example.com', '2026-10-05T00:00:00Z')];

function expectLookup() {
  return marketo().get('/rest/v1/leads.json').query(lookupQuery(['ann@example.com', 'bob@example.com', 'cat@example.com'])).reply(200, envelope(FOUND));
}

function expectUpdate(scope: nock.Scope) {
  return scope.post('/rest/v1/leads.json', {
    action: 'updateOnly',
    lookupField: 'id',
    input: [{ id: 50, firstName: 'Ann', lastName: 'Lee' }, { id: 71, firstName: 'Cat', lastName: 'Lee' }],
  }).reply(200, envelope([{ id: 50, status: 'updated' }, { id: 71, status: 'updated' }]));
}

function expectCreate(scope: nock.Scope, partitionName: string) {
  return scope.post('/rest/v1/leads.json', {
    action: 'createOnly',
    lookupField: 'email',
    partitionName,
    input: [{ firstName: 'Bob', lastName: 'Lee', email: 'bob@example.com' }],
  }).reply(200, envelope([{ id: 90, status: 'created' }]));
}

function expectListAdd(scope: nock.Scope, ids: number[]) {
  return scope.post(`/rest/v1/lists/${LIST_ID}/leads.json`, { input: ids.map((id) => ({ id })) }).reply(200, envelope(ids.map((id) => ({ id, status: 'added' }))));
}

const skippedBob = {
  recordId: 'r-bob',
  outcome: 'skipped',
  actions: [],
  reason: { code: 'NO_MATCHING_LEAD', message: "No Marketo lead matches this profile's email, and this destination does not create leads for it." },
};

function summary(partial: Partial<DeliveryReport['summary']>): DeliveryReport['summary'] {
  return { received: 3, delivered: 0, created: 0, updated: 0, addedToList: 0, removedFromList: 0, skipped: 0, rejected: 0, retryable: 0, unchanged: 0, apiCalls: 0, ...partial };
}

describe('deliver: the lead matching table', () => {
  it('profile only + update and create: updates matched leads, creates the others in the selected partition', async () => {
    const { plugin, activationId } = await session({ syncType: 'profile_only', partition: 'EMEA' });
    const api = expectCreate(expectUpdate(expectLookup()), 'EMEA');
    const report = await plugin.deliver({ activationId, profiles: PROFILES });
    api.done();
    expect(report).to.deep.equal({
      activationId,
      summary: summary({ delivered: 3, created: 1, updated: 2, apiCalls: 3 }),
      results: [
        { recordId: 'r-ann', outcome: 'delivered', leadId: 50, actions: ['updated'] },
        { recordId: 'r-bob', outcome: 'delivered', leadId: 90, actions: ['created'] },
        { recordId: 'r-cat', outcome: 'delivered', leadId: 71, actions: ['updated'] },
      ],
    });
  });

  it('profile only + update only: updates matched leads and creates nobody', async () => {
    const { plugin, activationId } = await session({ syncType: 'profile_only', personAction: 'update_only' });
    const api = expectUpdate(expectLookup());
    const report = await plugin.deliver({ activationId, profiles: PROFILES });
    api.done();
    expect(report.summary).to.deep.equal(summary({ delivered: 2, skipped: 1, updated: 2, apiCalls: 2 }));
    expect(report.results).to.deep.equal([
      { recordId: 'r-ann', outcome: 'delivered', leadId: 50, actions: ['updated'] },
      skippedBob,
      { recordId: 'r-cat', outcome: 'delivered', leadId: 71, actions: ['updated'] },
    ]);
  });

  it('audience only: adds existing leads to the list, writes no field and creates nobody', async () => {
    const { plugin, activationId } = await session({ syncType: 'audience_only', personAction: undefined });
    const api = expectListAdd(expectLookup(), [50, 71]);
    const report = await plugin.deliver({ activationId, profiles: PROFILES });
    api.done();
    expect(report.summary).to.deep.equal(summary({ delivered: 2, skipped: 1, addedToList: 2, apiCalls: 2 }));
    expect(report.results).to.deep.equal([
      { recordId: 'r-ann', outcome: 'delivered', leadId: 50, actions: [`listAdded:${AUDIENCE.id}`] },
      skippedBob,
      { recordId: 'r-cat', outcome: 'delivered', leadId: 71, actions: [`listAdded:${AUDIENCE.id}`] },
    ]);
  });

  it('audience and profile + update and create: updates, creates in the partition and lists everyone', async () => {
    const { plugin, activationId } = await session({ syncType: 'audience_and_profile', partition: 'EMEA' });
    const api = expectListAdd(expectCreate(expectUpdate(expectLookup()), 'EMEA'), [50, 90, 71]);
    const report = await plugin.deliver({ activationId, profiles: PROFILES });
    api.done();
    expect(report.summary).to.deep.equal(summary({ delivered: 3, created: 1, updated: 2, addedToList: 3, apiCalls: 4 }));
    expect(report.results).to.deep.equal([
      { recordId: 'r-ann', outcome: 'delivered', leadId: 50, actions: ['updated', 'listAdded:aud-1'] },
      { recordId: 'r-bob', outcome: 'delivered', leadId: 90, actions: ['created', 'listAdded:aud-1'] },
      { recordId: 'r-cat', outcome: 'delivered', leadId: 71, actions: ['updated', 'listAdded:aud-1'] },
    ]);
  });

  it('audience and profile + update only: updates and lists matched leads, creates nobody', async () => {
    const { plugin, activationId } = await session({ syncType: 'audience_and_profile', personAction: 'update_only' });
    const api = expectListAdd(expectUpdate(expectLookup()), [50, 71]);
    const report = await plugin.deliver({ activationId, profiles: PROFILES });
    api.done();
    expect(report.summary).to.deep.equal(summary({ delivered: 2, skipped: 1, updated: 2, addedToList: 2, apiCalls: 3 }));
    expect(report.results).to.deep.equal([
      { recordId: 'r-ann', outcome: 'delivered', leadId: 50, actions: ['updated', 'listAdded:aud-1'] },
      skippedBob,
      { recordId: 'r-cat', outcome: 'delivered', leadId: 71, actions: ['updated', 'listAdded:aud-1'] },
    ]);
  });

  it('creates new leads in the Default partition when none is selected', async () => {
    const { plugin, activationId } = await session({ syncType: 'profile_only' });
    const api = expectCreate(marketo().get('/rest/v1/leads.json').query(lookupQuery(['bob@example.com'])).reply(200, envelope([])), 'Default');
    const report = await plugin.deliver({ activationId, profiles: [PROFILES[1]!] });
    api.done();
    expect(report.results[0]).to.deep.equal({ recordId: 'r-bob', outcome: 'delivered', leadId: 90, actions: ['created'] });
  });
});

describe('deliver: memberships', () => {
  it('removes exited members from the list, and never creates a profile whose statuses are all exited', async () => {
    const { plugin, activationId } = await session();
    const api = marketo()
      .get('/rest/v1/leads.json')
      .query(lookupQuery(['ann@example.com', 'bob@example.com', 'dan@example.com']))
      .reply(200, envelope([lead(50, 'ann@example.com'), lead(60, 'dan@example.com')]))
      .post('/rest/v1/leads.json', { action: 'updateOnly', lookupField: 'id', input: [{ id: 50, firstName: 'Ann', lastName: 'Lee' }, { id: 60, firstName: 'Dan', lastName: 'Lee' }] })
      .reply(200, envelope([{ id: 50, status: 'updated' }, { id: 60, status: 'updated' }]))
      .delete(`/rest/v1/lists/${LIST_ID}/leads.json`, { input: [{ id: 50 }, { id: 60 }] })
      .reply(200, envelope([{ id: 50, status: 'removed' }, { id: 60, status: 'skipped', reasons: [{ code: '1015', message: 'Lead not in list' }] }]));
    const report = await plugin.deliver({
      activationId,
      profiles: [
        profile('r-ann', 'ann@example.com', { status: 'exited' }),
        profile('r-bob', 'bob@example.com', { status: 'exited' }),
        profile('r-dan', 'dan@example.com', { status: 'exited' }),
      ],
    });
    api.done();
    expect(report.results).to.deep.equal([
      { recordId: 'r-ann', outcome: 'delivered', leadId: 50, actions: ['updated', 'listRemoved:aud-1'] },
      {
        recordId: 'r-bob',
        outcome: 'skipped',
        actions: [],
        reason: { code: 'NO_MATCHING_LEAD', message: "No Marketo lead matches this profile's email, and this destination does not create leads for it." },
      },
      { recordId: 'r-dan', outcome: 'delivered', leadId: 60, actions: ['updated', 'listRemoved:aud-1'] },
    ]);
    expect(report.summary.removedFromList).to.equal(2);
  });

  it('ignores audiences that are not part of the activation, and handles several audiences', async () => {
    const second = { id: 'aud-2', name: 'Product interest' };
    const { plugin, activationId } = await session({ syncType: 'audience_only', personAction: undefined }, {}, [AUDIENCE, second]);
    const api = marketo()
      .get('/rest/v1/leads.json')
      .query(lookupQuery(['ann@example.com']))
      .reply(200, envelope([lead(50, 'ann@example.com')]))
      .post(`/rest/v1/lists/${LIST_ID}/leads.json`, { input: [{ id: 50 }] })
      .reply(200, envelope([{ id: 50, status: 'added' }]))
      .delete(`/rest/v1/lists/${LIST_ID + 1}/leads.json`, { input: [{ id: 50 }] })
      .reply(200, envelope([{ id: 50, status: 'removed' }]));
    const report = await plugin.deliver({
      activationId,
      profiles: [profile('r-ann', 'ann@example.com', { status: { 'aud-1': 'existing', 'aud-2': 'exited', 'aud-other': 'realized' } })],
    });
    api.done();
    expect(report.results[0]!.actions).to.deep.equal(['listAdded:aud-1', 'listRemoved:aud-2']);
  });

  it('updates fields of a matched exited-only profile under audience and profile', async () => {
    const { plugin, activationId } = await session();
    const api = marketo()
      .get('/rest/v1/leads.json')
      .query(true)
      .reply(200, envelope([lead(50, 'ann@example.com')]))
      .post('/rest/v1/leads.json', (body: { action: string }) => body.action === 'updateOnly')
      .reply(200, envelope([{ id: 50, status: 'updated' }]))
      .delete(`/rest/v1/lists/${LIST_ID}/leads.json`)
      .reply(200, envelope([{ id: 50, status: 'removed' }]));
    const report = await plugin.deliver({ activationId, profiles: [profile('r-ann', 'ann@example.com', { status: 'exited' })] });
    api.done();
    expect(report.results[0]!.actions).to.deep.equal(['updated', 'listRemoved:aud-1']);
  });
});
