import { expect } from 'chai';
import nock from 'nock';
import { InvalidRequestError, type DeliveryReport } from '../../src/index.js';
import type { ProfileEvent } from '../../src/types.js';
import { envelope, failure, marketo } from '../support/marketo.js';
import { lead, LIST_ID, lookupQuery, profile, session } from '../support/delivery.js';

function expectInvariants(report: DeliveryReport, inputs: ProfileEvent[]): void {
  expect(report.results).to.have.length(inputs.length);
  expect(report.results.map((r) => r.recordId)).to.deep.equal(inputs.map((p) => p.recordId));
  const { summary } = report;
  expect(summary.received).to.equal(inputs.length);
  expect(summary.delivered + summary.skipped + summary.rejected + summary.retryable).to.equal(summary.received);
  for (const outcome of ['delivered', 'skipped', 'rejected', 'retryable'] as const) {
    expect(report.results.filter((r) => r.outcome === outcome)).to.have.length(summary[outcome]);
  }
}

const emails = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `p${String(i + from).padStart(4, '0')}@example.com`);

describe('deliver: call plan', () => {
  it('spends 3 lookups, 1 update, 2 creates and 3 list adds on 700 profiles (300 per call, packed across chunks)', async () => {
    const { plugin, activationId } = await session();
    const all = emails(700);
    const matched = new Set(all.filter((_, i) => i % 2 === 0)); // 350 matched, 350 new
    const ids = new Map(all.map((email, i) => [email, 10_000 + i]));
    const scope = marketo();
    for (const part of [all.slice(0, 300), all.slice(300, 600), all.slice(600)]) {
      scope
        .get('/rest/v1/leads.json')
        .query(lookupQuery(part))
        .reply(200, envelope(part.filter((e) => matched.has(e)).map((e) => lead(ids.get(e)!, e))));
    }
    const updateSizes: number[] = [];
    const createSizes: number[] = [];
    const addSizes: number[] = [];
    scope
      .post('/rest/v1/leads.json', (body: { action?: string }) => body.action === 'updateOnly')
      .times(2)
      .reply(200, (_uri, body: { input: Array<{ id: number }> }) => {
        updateSizes.push(body.input.length);
        return envelope(body.input.map((r) => ({ id: r.id, status: 'updated' })));
      })
      .post('/rest/v1/leads.json', (body: { action?: string }) => body.action === 'createOnly')
      .times(2)
      .reply(200, (_uri, body: { input: Array<{ email: string }> }) => {
        createSizes.push(body.input.length);
        return envelope(body.input.map((r) => ({ id: ids.get(r.email)!, status: 'created' })));
      })
      .post(`/rest/v1/lists/${LIST_ID}/leads.json`)
      .times(3)
      .reply(200, (_uri, body: { input: Array<{ id: number }> }) => {
        addSizes.push(body.input.length);
        return envelope(body.input.map((r) => ({ id: r.id, status: 'added' })));
      });
    const profiles = all.map((email, i) => profile(`r-${i}`, email));
    const report = await plugin.deliver({ activationId, profiles });
    expectInvariants(report, profiles);
    expect(updateSizes.sort()).to.deep.equal([300, 50]);
    expect(createSizes.sort()).to.deep.equal([300, 50]);
    expect(addSizes.sort()).to.deep.equal([100, 300, 300]);
    expect(report.summary).to.deep.equal({
      received: 700, delivered: 700, created: 350, updated: 350, addedToList: 700, removedFromList: 0, skipped: 0, rejected: 0, retryable: 0, unchanged: 0, apiCalls: 10,
    });
    expect(nock.pendingMocks()).to.deep.equal([]);
  });

  it('looks up with GET while the URL stays under 8 KB, and switches to POST ?_method=GET past it', async () => {
    const { plugin, activationId } = await session({ syncType: 'audience_only', personAction: undefined });
    const short = emails(5);
    const get = marketo().get('/rest/v1/leads.json').query(lookupQuery(short)).reply(200, envelope([]));
    await plugin.deliver({ activationId, profiles: short.map((e, i) => profile(`s-${i}`, e)) });
    get.done();

    const long = Array.from({ length: 200 }, (_, i) => `someone.with.a.rather.long.address.${i}@subsidiary.example.com`);
    const post = marketo()
      .post('/rest/v1/leads.json', { filterType: 'email', filterValues: long.join(','), fields: 'id,updatedAt,email', batchSize: '300' })
      .query({ _method: 'GET' })
      .matchHeader('content-type', 'application/x-www-form-urlencoded')
      .reply(200, envelope([]));
    const report = await plugin.deliver({ activationId, profiles: long.map((e, i) => profile(`l-${i}`, e)) });
    post.done();
    expect(report.summary.skipped).to.equal(200);
  });

  it('follows nextPageToken when duplicates overflow a page', async () => {
    const { plugin, activationId } = await session({ syncType: 'audience_only', personAction: undefined });
    const api = marketo()
      .get('/rest/v1/leads.json')
      .query(lookupQuery(['ann@example.com']))
      .reply(200, envelope([lead(50, 'ann@example.com', '2026-01-01T00:00:00Z')], { moreResult: true, nextPageToken: 'PAGE2' }))
      .get('/rest/v1/leads.json')
      .query({ ...lookupQuery(['ann@example.com']), nextPageToken: 'PAGE2' })
      .reply(200, envelope([lead(51, 'ann@example.com', '2026-02-01T00:00:00Z')]))
      .post(`/rest/v1/lists/${LIST_ID}/leads.json`, { input: [{ id: 51 }] })
      .reply(200, envelope([{ id: 51, status: 'added' }]));
    const report = await plugin.deliver({ activationId, profiles: [profile('r-1', 'ann@example.com')] });
    api.done();
    expect(report.results[0]).to.include({ leadId: 51 });
    expect(report.summary.apiCalls).to.equal(3);
  });

  it('picks the highest id among duplicates updated at the same instant', async () => {
    const { plugin, activationId } = await session({ syncType: 'audience_only', personAction: undefined });
    const api = marketo()
      .get('/rest/v1/leads.json')
      .query(true)
      .reply(200, envelope([lead(80, 'ann@example.com', '2026-05-01T00:00:00Z'), lead(82, 'ann@example.com', '2026-05-01T00:00:00Z'), lead(81, 'ann@example.com', '2026-05-01T00:00:00Z')]))
      .post(`/rest/v1/lists/${LIST_ID}/leads.json`, { input: [{ id: 82 }] })
      .reply(200, envelope([{ id: 82, status: 'added' }]));
    await plugin.deliver({ activationId, profiles: [profile('r-1', 'ann@example.com')] });
    api.done();
  });
});

describe('deliver: races and record-level failures', () => {
  it('looks a lead up again and updates it when its create answers 1005', async () => {
    const { plugin, activationId } = await session({ syncType: 'profile_only' });
    const api = marketo()
      .get('/rest/v1/leads.json')
      .query(lookupQuery(['bob@example.com', 'eve@example.com']))
      .reply(200, envelope([]))
      .post('/rest/v1/leads.json', (body: { action: string }) => body.action === 'createOnly')
      .reply(200, envelope([{ status: 'skipped', reasons: [{ code: '1005', message: 'Lead already exists' }] }, { id: 91, status: 'created' }]))
      .get('/rest/v1/leads.json')
      .query(lookupQuery(['bob@example.com']))
      .reply(200, envelope([lead(77, 'bob@example.com')]))
      .post('/rest/v1/leads.json', { action: 'updateOnly', lookupField: 'id', input: [{ id: 77, firstName: 'Bob', lastName: 'Lee' }] })
      .reply(200, envelope([{ id: 77, status: 'updated' }]));
    const report = await plugin.deliver({ activationId, profiles: [profile('r-bob', 'bob@example.com'), profile('r-eve', 'eve@example.com')] });
    api.done();
    expect(report.results).to.deep.equal([
      { recordId: 'r-bob', outcome: 'delivered', leadId: 77, actions: ['updated'] },
      { recordId: 'r-eve', outcome: 'delivered', leadId: 91, actions: ['created'] },
    ]);
    expect(report.summary).to.include({ created: 1, updated: 1, apiCalls: 4 });
  });

  it('rejects the records Marketo skips (1003, 1006) and delivers the others of the same call', async () => {
    const { plugin, activationId } = await session({ syncType: 'profile_only' });
    const rejectedEvents: unknown[] = [];
    const failed: unknown[] = [];
    plugin.events.on('records.rejected', (e) => rejectedEvents.push(e));
    plugin.events.on('run.failed', (e) => failed.push(e));
    const api = marketo()
      .get('/rest/v1/leads.json')
      .query(true)
      .reply(200, envelope([lead(50, 'ann@example.com'), lead(51, 'ben@example.com'), lead(52, 'cy@example.com')]))
      .post('/rest/v1/leads.json')
      .reply(200, envelope([
        { id: 50, status: 'updated' },
        { status: 'skipped', reasons: [{ code: '1003', message: 'Invalid value for field lastName' }] },
        { status: 'skipped', reasons: [{ code: '1006', message: "Field 'lastName' not found" }] },
      ]));
    const profiles = [profile('r-ann', 'ann@example.com'), profile('r-ben', 'ben@example.com'), profile('r-cy', 'cy@example.com')];
    const report = await plugin.deliver({ activationId, profiles });
    api.done();
    expectInvariants(report, profiles);
    expect(report.results[0]).to.deep.equal({ recordId: 'r-ann', outcome: 'delivered', leadId: 50, actions: ['updated'] });
    expect(report.results[1]).to.deep.equal({
      recordId: 'r-ben',
      outcome: 'rejected',
      leadId: 51,
      actions: [],
      reason: { code: 'MARKETO_REJECTED', message: 'Marketo skipped the record: 1003 Invalid value for field lastName', marketoCode: '1003', requestId: 'req#1' },
    });
    expect(report.results[2]!.reason).to.deep.include({ code: 'MARKETO_REJECTED', marketoCode: '1006' });
    expect(rejectedEvents).to.deep.equal([
      { activationId, connectionId: (rejectedEvents[0] as { connectionId: string }).connectionId, message: '2 record(s) rejected', count: 2, codes: { 'MARKETO_REJECTED:1003': 1, 'MARKETO_REJECTED:1006': 1 } },
    ]);
    expect(failed).to.have.length(1);
  });

  it('reports the records of a call that fails as a whole as retryable, never as delivered', async () => {
    const { plugin, activationId } = await session({ syncType: 'profile_only' });
    marketo()
      .get('/rest/v1/leads.json')
      .query(true)
      .reply(200, envelope([lead(50, 'ann@example.com')]))
      .post('/rest/v1/leads.json')
      .times(3)
      .reply(503);
    const report = await plugin.deliver({ activationId, profiles: [profile('r-ann', 'ann@example.com')] });
    expect(report.results[0]).to.deep.include({ recordId: 'r-ann', outcome: 'retryable', leadId: 50, actions: [] });
    expect(report.results[0]!.reason!.code).to.equal('MARKETO_UNAVAILABLE');
    expect(report.results[0]!.retryAfterMs).to.be.a('number');
    expect(report.summary).to.include({ retryable: 1, apiCalls: 4 });
  });

  it('rejects every record of a call Marketo refuses permanently, with its code', async () => {
    const { plugin, activationId } = await session({ syncType: 'profile_only' });
    marketo().get('/rest/v1/leads.json').query(true).reply(200, failure('1003', 'Invalid filterType'));
    const report = await plugin.deliver({ activationId, profiles: [profile('r-1', 'ann@example.com'), profile('r-2', 'ben@example.com')] });
    expect(report.results.map((r) => [r.outcome, r.reason?.code, r.reason?.marketoCode])).to.deep.equal([
      ['rejected', 'MARKETO_REJECTED', '1003'],
      ['rejected', 'MARKETO_REJECTED', '1003'],
    ]);
  });
});

describe('deliver: intake and coalescing', () => {
  it('rejects bad profiles in place and delivers the rest', async () => {
    const { plugin, activationId } = await session({ syncType: 'profile_only' });
    const api = marketo()
      .get('/rest/v1/leads.json')
      .query(lookupQuery(['ann@example.com']))
      .reply(200, envelope([lead(50, 'ann@example.com')]))
      .post('/rest/v1/leads.json')
      .reply(200, envelope([{ id: 50, status: 'updated' }]));
    const noEmail = profile('r-no-email', 'x@example.com');
    delete noEmail.identityMap!.Email;
    const badStatus = profile('r-bad', 'bad@example.com') as unknown as { segmentMembership: { ups: Record<string, { status: string }> } };
    badStatus.segmentMembership.ups['aud-1']!.status = 'joined';
    const nested = profile('r-nested', 'nested@example.com');
    nested.attributes!.person = { name: { firstName: { nested: true }, lastName: 'Lee' } };
    const profiles = [profile('r-ann', 'ann@example.com'), noEmail, badStatus as unknown as ProfileEvent, nested, 'not a profile' as unknown as ProfileEvent];
    const report = await plugin.deliver({ activationId, profiles });
    api.done();
    expect(report.results.map((r) => [r.recordId, r.outcome, r.reason?.code])).to.deep.equal([
      ['r-ann', 'delivered', undefined],
      ['r-no-email', 'rejected', 'MISSING_DEDUPE_VALUE'],
      ['r-bad', 'rejected', 'INVALID_PROFILE'],
      ['r-nested', 'rejected', 'INVALID_PROFILE'],
      ['#4', 'rejected', 'INVALID_PROFILE'],
    ]);
    expect(report.results[2]!.reason!.message).to.contain('/segmentMembership/ups/aud-1/status');
  });

  it('rejects a profile that would be created without first name, last name or email', async () => {
    const { plugin, activationId } = await session({ syncType: 'profile_only' });
    marketo().get('/rest/v1/leads.json').query(true).reply(200, envelope([]));
    const nameless = profile('r-1', 'new@example.com');
    nameless.attributes = { person: { name: { firstName: 'Neo' } } };
    const report = await plugin.deliver({ activationId, profiles: [nameless] });
    expect(report.results[0]).to.deep.equal({
      recordId: 'r-1',
      outcome: 'rejected',
      actions: [],
      reason: { code: 'MISSING_REQUIRED_FIELD', message: 'A new Marketo lead needs a value for lastName; the profile has none.' },
    });
  });

  it('merges repeated profiles into one write (later events win, field by field) with one result each', async () => {
    const { plugin, activationId } = await session();
    const first = profile('r-1', 'Ann@Example.com ', { first: 'Annie', last: 'Lee', status: 'realized' });
    const second = profile('r-2', 'ann@example.com', { status: 'existing' });
    second.attributes = { 'person.name.firstName': 'Ann' }; // flat attribute, no last name: keeps Lee
    const third = profile('r-3', ' ANN@example.com', { status: 'exited' });
    third.attributes = {};
    const fourth = profile('r-4', 'ann@example.com', { status: 'realized' });
    fourth.attributes = { person: { name: { lastName: null } } };
    const api = marketo()
      .get('/rest/v1/leads.json')
      .query(lookupQuery(['Ann@Example.com']))
      .reply(200, envelope([lead(50, 'ann@example.com')]))
      .post('/rest/v1/leads.json', { action: 'updateOnly', lookupField: 'id', input: [{ id: 50, firstName: 'Ann', lastName: 'Lee' }] })
      .reply(200, envelope([{ id: 50, status: 'updated' }]))
      .post(`/rest/v1/lists/${LIST_ID}/leads.json`, { input: [{ id: 50 }] })
      .reply(200, envelope([{ id: 50, status: 'added' }]));
    const profiles = [first, second, third, fourth];
    const report = await plugin.deliver({ activationId, profiles });
    api.done();
    expectInvariants(report, profiles);
    for (const result of report.results) expect(result).to.deep.include({ outcome: 'delivered', leadId: 50, actions: ['updated', 'listAdded:aud-1'] });
    expect(report.summary).to.include({ updated: 1, addedToList: 1, apiCalls: 3 });
  });

  it('uses the primary identity, else the first one', async () => {
    const { plugin, activationId } = await session({ syncType: 'audience_only', personAction: undefined });
    const primary = profile('r-1', 'x@example.com');
    primary.identityMap!.Email = [{ id: 'first@example.com' }, { id: 'primary@example.com', primary: true }];
    const first = profile('r-2', 'x@example.com');
    first.identityMap!.Email = [{ id: 'one@example.com' }, { id: 'two@example.com' }];
    const api = marketo().get('/rest/v1/leads.json').query(lookupQuery(['primary@example.com', 'one@example.com'])).reply(200, envelope([]));
    await plugin.deliver({ activationId, profiles: [primary, first] });
    api.done();
  });

  it('announces the run to the host', async () => {
    const { plugin, activationId } = await session({ syncType: 'audience_only', personAction: undefined });
    const seen: string[] = [];
    for (const name of ['run.started', 'run.succeeded', 'run.failed', 'records.rejected'] as const) plugin.events.on(name, () => seen.push(name));
    marketo().get('/rest/v1/leads.json').query(true).reply(200, envelope([]));
    await plugin.deliver({ activationId, profiles: [profile('r-1', 'ann@example.com')] });
    expect(seen).to.deep.equal(['run.started', 'run.succeeded']);
  });

  it('throws only for caller errors', async () => {
    const { plugin, activationId } = await session({ syncType: 'audience_only', personAction: undefined });
    const unknown = await plugin.deliver({ activationId: 'nope', profiles: [] }).catch((e: unknown) => e);
    expect(unknown).to.be.instanceOf(InvalidRequestError).and.to.include({ code: 'UNKNOWN_ACTIVATION' });
    const malformed = await plugin.deliver({ activationId, profiles: {} as never }).catch((e: unknown) => e);
    expect(malformed).to.include({ code: 'MALFORMED_REQUEST' });
    await plugin.teardown({ activationId });
    const tornDown = await plugin.deliver({ activationId, profiles: [] }).catch((e: unknown) => e);
    expect(tornDown).to.include({ code: 'TORN_DOWN' });
  });
});

describe('deliver: permissions', () => {
  it('rejects records with PERMISSION_DENIED on 603 and alerts the host', async () => {
    const { plugin, activationId } = await session({ syncType: 'profile_only' });
    const alerts: Array<{ stage: string; kind: string }> = [];
    plugin.events.on('auth.failed', (e) => alerts.push(e));
    marketo().get('/rest/v1/leads.json').query(true).reply(200, envelope([lead(50, 'ann@example.com')]))
      .post('/rest/v1/leads.json').reply(200, failure('603', 'Access denied'));
    const report = await plugin.deliver({ activationId, profiles: [profile('r-1', 'ann@example.com')] });
    expect(report.results[0]).to.deep.include({ outcome: 'rejected' });
    expect(report.results[0]!.reason).to.include({ code: 'PERMISSION_DENIED', marketoCode: '603' });
    expect(report.results[0]!.reason!.message).to.contain('Edit Person');
    expect(alerts.map((a) => [a.stage, a.kind])).to.deep.equal([['deliver', 'permission']]);
  });
});
