import { expect } from 'chai';
import { createPlugin } from '../../src/index.js';
import type { ProfileEvent } from '../../src/types.js';
import { lead, LIST_ID, lookupQuery, profile, session } from '../support/delivery.js';
import { CONFIG, CREDENTIALS, envelope, fixture, identity, marketo, MAPPINGS, testOptions } from '../support/marketo.js';

const AUDIENCE_ONLY = { syncType: 'audience_only', personAction: undefined };

/** describe2 with fields the shared fixture lacks: a percent, a score and a text area. */
function describeWith(fields: Array<Record<string, unknown>>): object {
  const describe = fixture<{ result: Array<{ fields: unknown[] }> }>('describe2.json');
  describe.result[0]!.fields.push(...fields);
  return describe;
}

const EXTRA_FIELDS = [
  { name: 'engagementPercent', displayName: 'Engagement %', dataType: 'percent', updateable: true, crmManaged: false },
  { name: 'behaviorScore', displayName: 'Behavior Score', dataType: 'score', updateable: true, crmManaged: false },
  { name: 'notes', displayName: 'Notes', dataType: 'text', updateable: true, crmManaged: false },
];

/** connect (profile only, describe2 with EXTRA_FIELDS) → activate with the usual mappings plus `extra`. */
async function sessionWithFields(extra: Array<{ source: string; target: string }>) {
  const plugin = createPlugin(testOptions());
  identity();
  marketo()
    .get('/rest/v1/leads/describe2.json')
    .reply(200, describeWith(EXTRA_FIELDS))
    .get('/rest/v1/leads/partitions.json')
    .reply(200, fixture('partitions.json'))
    .get('/userservice/management/v1/users/workspaces.json')
    .reply(200, fixture('workspaces.json'));
  const { connectionId } = await plugin.connect({ credentials: CREDENTIALS, config: { ...CONFIG, syncType: 'profile_only' } });
  const { activationId } = await plugin.activate({ connectionId, audiences: [], mappings: [...MAPPINGS, ...extra] });
  return { plugin, activationId };
}

function withAttributes(recordId: string, email: string, attributes: Record<string, unknown>): ProfileEvent {
  const p = profile(recordId, email);
  Object.assign(p.attributes!, attributes);
  return p;
}

describe('hardening: HTTP 413 and bodies sized by bytes', () => {
  const emails = (n: number) => Array.from({ length: n }, (_, i) => `p${String(i).padStart(4, '0')}@example.com`);

  it('splits a batch of 300 answered 413 in halves and delivers every record', async () => {
    const { plugin, activationId } = await session({ syncType: 'profile_only' });
    const all = emails(300);
    const sizes: number[] = [];
    const api = marketo()
      .get('/rest/v1/leads.json')
      .query(lookupQuery(all))
      .reply(200, envelope([]))
      .post('/rest/v1/leads.json')
      .times(3)
      .reply((_uri, raw) => {
        const body = raw as { input: Array<{ email: string }> };
        sizes.push(body.input.length);
        if (Buffer.byteLength(JSON.stringify(body)) > 15_000) return [413, 'Request Entity Too Large'];
        return [200, envelope(body.input.map((r) => ({ id: 10_000 + all.indexOf(r.email), status: 'created' })))];
      });
    const report = await plugin.deliver({ activationId, profiles: all.map((email, i) => profile(`r-${i}`, email)) });
    api.done();
    expect(sizes).to.deep.equal([300, 150, 150]);
    expect(report.summary).to.include({ received: 300, delivered: 300, created: 300, apiCalls: 4 });
    expect(report.results.map((r) => r.leadId)).to.deep.equal(all.map((_, i) => 10_000 + i));
  });

  it('sends 300 records of 30 000 bytes of non-ASCII text in calls of at most 1 MB each', async () => {
    const { plugin, activationId } = await sessionWithFields([{ source: 'notes', target: 'notes' }]);
    const all = emails(300);
    const notes = 'é'.repeat(15_000); // 15 000 characters, 30 000 bytes
    const bodies: Array<{ bytes: number; records: number }> = [];
    const sent: string[] = [];
    marketo()
      .get('/rest/v1/leads.json')
      .query(lookupQuery(all))
      .reply(200, envelope(all.map((email, i) => lead(10_000 + i, email))))
      .post('/rest/v1/leads.json')
      .times(20)
      .optionally() // an upper bound: the test counts the calls itself
      .reply((_uri, raw) => {
        const body = raw as { input: Array<{ id: number; notes: string }> };
        const bytes = Buffer.byteLength(JSON.stringify(body));
        bodies.push({ bytes, records: body.input.length });
        if (bytes > 1_000_000) return [413, 'Request Entity Too Large'];
        sent.push(...body.input.map((r) => `${r.id}:${r.notes === notes}`));
        return [200, envelope(body.input.map((r) => ({ id: r.id, status: 'updated' })))];
      });
    const report = await plugin.deliver({ activationId, profiles: all.map((email, i) => withAttributes(`r-${i}`, email, { notes })) });
    expect(bodies.length).to.be.at.least(10);
    for (const body of bodies) expect(body.bytes).to.be.at.most(1_000_000);
    expect(bodies.reduce((n, b) => n + b.records, 0)).to.equal(300);
    expect(sent.sort()).to.deep.equal(all.map((_, i) => `${10_000 + i}:true`).sort());
    expect(report.summary).to.include({ delivered: 300, updated: 300, apiCalls: 1 + bodies.length });
  });

  it('rejects the one record still answered 413 on its own, after a bounded number of calls, and delivers the others', async () => {
    const { plugin, activationId } = await session({ syncType: 'profile_only' });
    const all = emails(4);
    const sizes: number[] = [];
    marketo()
      .get('/rest/v1/leads.json')
      .query(lookupQuery(all))
      .reply(200, envelope(all.map((email, i) => lead(50 + i, email))))
      .post('/rest/v1/leads.json')
      .times(100)
      .optionally() // an upper bound: the test counts the calls itself
      .reply((_uri, raw) => {
        const body = raw as { input: Array<{ id: number; lastName: string }> };
        sizes.push(body.input.length);
        if (body.input.some((r) => r.lastName === 'Oversized')) return [413, 'Request Entity Too Large'];
        return [200, envelope(body.input.map((r) => ({ id: r.id, status: 'updated' })))];
      });
    const profiles = all.map((email, i) => profile(`r-${i}`, email, { last: i === 1 ? 'Oversized' : 'Lee' }));
    const report = await plugin.deliver({ activationId, profiles });
    expect(sizes).to.have.members([4, 2, 2, 1, 1]);
    expect(report.results.map((r) => [r.recordId, r.outcome, r.reason?.code, r.reason?.marketoCode])).to.deep.equal([
      ['r-0', 'delivered', undefined, undefined],
      ['r-1', 'rejected', 'MARKETO_REJECTED', '413'],
      ['r-2', 'delivered', undefined, undefined],
      ['r-3', 'delivered', undefined, undefined],
    ]);
  });
});

describe('hardening: list membership answers', () => {
  it('counts added and skipped 1017 as in the list, and rejects an add skipped with any other code', async () => {
    const { plugin, activationId } = await session(AUDIENCE_ONLY);
    const api = marketo()
      .get('/rest/v1/leads.json')
      .query(lookupQuery(['ann@example.com', 'ben@example.com', 'cy@example.com']))
      .reply(200, envelope([lead(50, 'ann@example.com'), lead(51, 'ben@example.com'), lead(52, 'cy@example.com')]))
      .post(`/rest/v1/lists/${LIST_ID}/leads.json`, { input: [{ id: 50 }, { id: 51 }, { id: 52 }] })
      .reply(200, envelope([
        { id: 50, status: 'added' },
        { id: 51, status: 'skipped', reasons: [{ code: '1017', message: 'Object already exists' }] },
        { id: 52, status: 'skipped', reasons: [{ code: '1008', message: 'No access to partition' }] },
      ]));
    const report = await plugin.deliver({ activationId, profiles: [profile('r-ann', 'ann@example.com'), profile('r-ben', 'ben@example.com'), profile('r-cy', 'cy@example.com')] });
    api.done();
    expect(report.results).to.deep.equal([
      { recordId: 'r-ann', outcome: 'delivered', leadId: 50, actions: ['listAdded:aud-1'] },
      { recordId: 'r-ben', outcome: 'delivered', leadId: 51, actions: ['listAdded:aud-1'] },
      {
        recordId: 'r-cy',
        outcome: 'rejected',
        leadId: 52,
        actions: [],
        reason: { code: 'MARKETO_REJECTED', message: 'Marketo skipped the record: 1008 No access to partition', marketoCode: '1008', requestId: 'req#1' },
      },
    ]);
    expect(report.summary).to.include({ delivered: 2, rejected: 1, addedToList: 2 });
  });

  it('counts removed, skipped 1015 (not a member) and skipped 1004 (lead gone) as removals', async () => {
    const { plugin, activationId } = await session(AUDIENCE_ONLY);
    const api = marketo()
      .get('/rest/v1/leads.json')
      .query(lookupQuery(['ann@example.com', 'ben@example.com', 'cy@example.com']))
      .reply(200, envelope([lead(50, 'ann@example.com'), lead(51, 'ben@example.com'), lead(52, 'cy@example.com')]))
      .delete(`/rest/v1/lists/${LIST_ID}/leads.json`, { input: [{ id: 50 }, { id: 51 }, { id: 52 }] })
      .reply(200, envelope([
        { id: 50, status: 'removed' },
        { id: 51, status: 'skipped', reasons: [{ code: '1015', message: 'Lead not in list' }] },
        { id: 52, status: 'skipped', reasons: [{ code: '1004', message: 'Lead not found' }] },
      ]));
    const exited = (id: string, email: string) => profile(id, email, { status: 'exited' });
    const report = await plugin.deliver({ activationId, profiles: [exited('r-ann', 'ann@example.com'), exited('r-ben', 'ben@example.com'), exited('r-cy', 'cy@example.com')] });
    api.done();
    expect(report.results.map((r) => [r.recordId, r.outcome, r.actions])).to.deep.equal([
      ['r-ann', 'delivered', ['listRemoved:aud-1']],
      ['r-ben', 'delivered', ['listRemoved:aud-1']],
      ['r-cy', 'delivered', ['listRemoved:aud-1']],
    ]);
    expect(report.summary).to.include({ delivered: 3, removedFromList: 3, rejected: 0 });
  });
});

describe('hardening: field types and Sync Leads answers', () => {
  it('takes only whole numbers for percent and score fields, and at most 30 000 bytes for a text field', async () => {
    const { plugin, activationId } = await sessionWithFields([
      { source: 'engagement', target: 'engagementPercent' },
      { source: 'behavior', target: 'behaviorScore' },
      { source: 'notes', target: 'notes' },
    ]);
    const profiles = [
      withAttributes('r-ok', 'ann@example.com', { engagement: 12, behavior: '40', notes: 'é'.repeat(15_000) }),
      withAttributes('r-pct', 'ben@example.com', { engagement: 12.5 }),
      withAttributes('r-score', 'cy@example.com', { behavior: 3.5 }),
      withAttributes('r-text', 'dee@example.com', { notes: 'é'.repeat(15_001) }),
    ];
    const api = marketo()
      .get('/rest/v1/leads.json')
      .query(lookupQuery(['ann@example.com']))
      .reply(200, envelope([lead(50, 'ann@example.com')]))
      .post('/rest/v1/leads.json', { action: 'updateOnly', lookupField: 'id', input: [{ id: 50, firstName: 'Ann', lastName: 'Lee', engagementPercent: 12, behaviorScore: 40, notes: 'é'.repeat(15_000) }] })
      .reply(200, envelope([{ id: 50, status: 'updated' }]));
    const report = await plugin.deliver({ activationId, profiles });
    api.done();
    expect(report.results.map((r) => [r.recordId, r.outcome, r.reason?.code])).to.deep.equal([
      ['r-ok', 'delivered', undefined],
      ['r-pct', 'rejected', 'INVALID_PROFILE'],
      ['r-score', 'rejected', 'INVALID_PROFILE'],
      ['r-text', 'rejected', 'INVALID_PROFILE'],
    ]);
    expect(report.results[1]!.reason!.message).to.contain('"engagementPercent" must be a whole number');
    expect(report.results[2]!.reason!.message).to.contain('"behaviorScore" must be a whole number');
    expect(report.results[3]!.reason!.message).to.contain('"notes" is too long: 30002 bytes where Marketo allows 30000');
  });

  it('reads a lead id given as text in a Sync Leads result', async () => {
    const { plugin, activationId } = await session();
    const api = marketo()
      .get('/rest/v1/leads.json')
      .query(lookupQuery(['new@example.com']))
      .reply(200, envelope([]))
      .post('/rest/v1/leads.json', (body: { action: string }) => body.action === 'createOnly')
      .reply(200, envelope([{ id: '123', status: 'created' }]))
      .post(`/rest/v1/lists/${LIST_ID}/leads.json`, { input: [{ id: 123 }] })
      .reply(200, envelope([{ id: 123, status: 'added' }]));
    const report = await plugin.deliver({ activationId, profiles: [profile('r-new', 'new@example.com')] });
    api.done();
    expect(report.results).to.deep.equal([{ recordId: 'r-new', outcome: 'delivered', leadId: 123, actions: ['created', 'listAdded:aud-1'] }]);
  });

  for (const [title, answer] of [
    ['a created result without an id', { status: 'created' }],
    ['an undocumented status', { id: 124, status: 'queued' }],
  ] as const) {
    it(`looks the value up again after ${title} on create, and the lead still joins the list`, async () => {
      const { plugin, activationId } = await session();
      const api = marketo()
        .get('/rest/v1/leads.json')
        .query(lookupQuery(['new@example.com']))
        .reply(200, envelope([]))
        .post('/rest/v1/leads.json', (body: { action: string }) => body.action === 'createOnly')
        .reply(200, envelope([answer]))
        .get('/rest/v1/leads.json')
        .query(lookupQuery(['new@example.com']))
        .reply(200, envelope([lead(124, 'new@example.com')]))
        .post('/rest/v1/leads.json', { action: 'updateOnly', lookupField: 'id', input: [{ id: 124, firstName: 'New', lastName: 'Lee' }] })
        .reply(200, envelope([{ id: 124, status: 'updated' }]))
        .post(`/rest/v1/lists/${LIST_ID}/leads.json`, { input: [{ id: 124 }] })
        .reply(200, envelope([{ id: 124, status: 'added' }]));
      const report = await plugin.deliver({ activationId, profiles: [profile('r-new', 'new@example.com')] });
      api.done();
      expect(report.results).to.deep.equal([{ recordId: 'r-new', outcome: 'delivered', leadId: 124, actions: ['updated', 'listAdded:aud-1'] }]);
    });
  }

  it('reports an update answered with an undocumented status retryable, never silently dropped', async () => {
    const { plugin, activationId } = await session();
    const api = marketo()
      .get('/rest/v1/leads.json')
      .query(lookupQuery(['ann@example.com']))
      .reply(200, envelope([lead(50, 'ann@example.com')]))
      .post('/rest/v1/leads.json', { action: 'updateOnly', lookupField: 'id', input: [{ id: 50, firstName: 'Ann', lastName: 'Lee' }] })
      .reply(200, envelope([{ id: 50, status: 'pending' }]));
    const report = await plugin.deliver({ activationId, profiles: [profile('r-ann', 'ann@example.com')] });
    api.done();
    expect(report.results[0]).to.deep.include({ recordId: 'r-ann', outcome: 'retryable' });
    expect(report.results[0]!.reason!.code).to.equal('MARKETO_UNAVAILABLE');
    expect(report.results[0]!.reason!.message).to.contain('"pending"');
  });
});
