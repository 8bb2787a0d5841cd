import { expect } from 'chai';
import nock from 'nock';
import { createPlugin } from '../../src/index.js';
import type { ProfileEvent } from '../../src/types.js';
import { AUDIENCE, lead, LIST_ID, lookupQuery, profile, session } from '../support/delivery.js';
import { BASE, CONFIG, connected, envelope, failure, listAsset, marketo, MAPPINGS, testOptions } from '../support/marketo.js';

const AUDIENCE_ONLY = { syncType: 'audience_only', personAction: undefined };
const TOO_MANY = failure('1003', 'Too many results match the filter');

/** The filter values of a lookup request, as Marketo reads them. */
const valuesOf = (uri: string) => new URL(uri, BASE).searchParams.get('filterValues')!.split(',');

describe('hardening: lookup paging is bounded', () => {
  it('stops when Marketo repeats a nextPageToken: the profile is retryable after 2 calls, not thousands', async () => {
    const { plugin, activationId } = await session(AUDIENCE_ONLY);
    const tokens: Array<string | null> = [];
    marketo()
      .get('/rest/v1/leads.json')
      .query(true)
      .times(5_000)
      .optionally() // an upper bound: the test counts the calls itself
      .reply(200, (uri) => {
        tokens.push(new URL(uri, BASE).searchParams.get('nextPageToken'));
        return envelope([lead(50 + tokens.length, 'ann@example.com')], { moreResult: true, nextPageToken: 'SAME-TOKEN' });
      });
    const report = await plugin.deliver({ activationId, profiles: [profile('r-1', 'ann@example.com')] });
    expect(tokens).to.deep.equal([null, 'SAME-TOKEN']);
    expect(report.results).to.have.length(1);
    expect(report.results[0]).to.deep.include({ recordId: 'r-1', outcome: 'retryable', actions: [] });
    expect(report.results[0]!.reason!.code).to.equal('MARKETO_UNAVAILABLE');
    expect(report.results[0]!.reason!.message).to.contain('a repeated nextPageToken');
    expect(report.summary).to.include({ retryable: 1, apiCalls: 2 });
  });

  it('stops after 10 pages of distinct tokens: the profile is retryable', async () => {
    const { plugin, activationId } = await session(AUDIENCE_ONLY);
    const tokens: Array<string | null> = [];
    marketo()
      .get('/rest/v1/leads.json')
      .query(true)
      .times(5_000)
      .optionally() // an upper bound: the test counts the calls itself
      .reply(200, (uri) => {
        tokens.push(new URL(uri, BASE).searchParams.get('nextPageToken'));
        return envelope([lead(50 + tokens.length, 'ann@example.com')], { moreResult: true, nextPageToken: `PAGE-${tokens.length + 1}` });
      });
    const report = await plugin.deliver({ activationId, profiles: [profile('r-1', 'ann@example.com')] });
    expect(tokens).to.deep.equal([null, 'PAGE-2', 'PAGE-3', 'PAGE-4', 'PAGE-5', 'PAGE-6', 'PAGE-7', 'PAGE-8', 'PAGE-9', 'PAGE-10']);
    expect(report.results[0]).to.deep.include({ outcome: 'retryable' });
    expect(report.results[0]!.reason!.code).to.equal('MARKETO_UNAVAILABLE');
    expect(report.summary.apiCalls).to.equal(10);
  });
});

describe('hardening: a lookup answered 1003 Too many results is split', () => {
  it('splits the chunk and retries its halves until Marketo answers, and delivers every profile', async () => {
    const { plugin, activationId } = await session(AUDIENCE_ONLY);
    const emails = ['a@example.com', 'b@example.com', 'c@example.com', 'd@example.com'];
    const asked: string[][] = [];
    const api = marketo()
      .get('/rest/v1/leads.json')
      .query(true)
      .times(3)
      .reply(200, (uri) => {
        const values = valuesOf(uri);
        asked.push(values);
        return values.length > 2 ? TOO_MANY : envelope(values.map((email) => lead(100 + emails.indexOf(email), email)));
      })
      .post(`/rest/v1/lists/${LIST_ID}/leads.json`, { input: [{ id: 100 }, { id: 101 }, { id: 102 }, { id: 103 }] })
      .reply(200, envelope([100, 101, 102, 103].map((id) => ({ id, status: 'added' }))));
    const report = await plugin.deliver({ activationId, profiles: emails.map((email, i) => profile(`r-${i}`, email)) });
    api.done();
    expect(asked).to.deep.equal([emails, emails.slice(0, 2), emails.slice(2)]);
    expect(report.results.map((r) => [r.recordId, r.outcome, r.leadId, r.actions])).to.deep.equal(
      emails.map((_, i) => [`r-${i}`, 'delivered', 100 + i, ['listAdded:aud-1']]),
    );
    expect(report.summary).to.include({ delivered: 4, rejected: 0, retryable: 0, apiCalls: 4 });
  });

  it('rejects with 1003 only the one value still too broad on its own, and delivers the others', async () => {
    const { plugin, activationId } = await session(AUDIENCE_ONLY);
    const emails = ['a@example.com', 'info@example.com', 'c@example.com', 'd@example.com'];
    const asked: string[][] = [];
    const api = marketo()
      .get('/rest/v1/leads.json')
      .query(true)
      .times(5)
      .reply(200, (uri) => {
        const values = valuesOf(uri);
        asked.push(values);
        return values.includes('info@example.com') ? TOO_MANY : envelope(values.map((email) => lead(100 + emails.indexOf(email), email)));
      })
      .post(`/rest/v1/lists/${LIST_ID}/leads.json`, { input: [{ id: 100 }, { id: 102 }, { id: 103 }] })
      .reply(200, envelope([100, 102, 103].map((id) => ({ id, status: 'added' }))));
    const report = await plugin.deliver({ activationId, profiles: emails.map((email, i) => profile(`r-${i}`, email)) });
    api.done();
    expect(asked.map((values) => values.join(' '))).to.have.members([
      emails.join(' '),
      'a@example.com info@example.com',
      'c@example.com d@example.com',
      'a@example.com',
      'info@example.com',
    ]);
    expect(report.results.map((r) => [r.recordId, r.outcome, r.reason?.code, r.reason?.marketoCode])).to.deep.equal([
      ['r-0', 'delivered', undefined, undefined],
      ['r-1', 'rejected', 'MARKETO_REJECTED', '1003'],
      ['r-2', 'delivered', undefined, undefined],
      ['r-3', 'delivered', undefined, undefined],
    ]);
    expect(report.summary).to.include({ delivered: 3, rejected: 1, retryable: 0 });
  });
});

describe('hardening: dedupe values are compared the way Marketo compares them', () => {
  /** connect with `dedupeField`, activate with the CDP identity `namespace` as its source (update and create). */
  async function sessionOn(dedupeField: string, namespace: string) {
    const plugin = createPlugin(testOptions());
    const connectionId = await connected(plugin, { ...CONFIG, dedupeField });
    marketo().get('/rest/asset/v1/staticList/byName.json').query({ name: AUDIENCE.name }).reply(200, envelope([listAsset(LIST_ID, AUDIENCE.name)]));
    const { activationId } = await plugin.activate({
      connectionId,
      audiences: [AUDIENCE],
      mappings: [{ source: `identityMap.${namespace}`, target: 'identity:DedupeField' }, ...MAPPINGS.slice(1), { source: 'personalEmail.address', target: 'email' }],
    });
    return { plugin, activationId };
  }

  function person(recordId: string, namespace: string, value: string): ProfileEvent {
    return {
      recordId,
      identityMap: { [namespace]: [{ id: value }] },
      attributes: { person: { name: { firstName: 'Cy', lastName: 'Lee' } }, personalEmail: { address: 'cy@example.com' } },
      segmentMembership: { ups: { [AUDIENCE.id]: { status: 'realized' } } },
    };
  }

  const cases: Array<{ title: string; field: string; namespace: string; sent: string; lookedUp: string; stored: unknown }> = [
    { title: 'a string field: c-1004 finds the lead stored as C-1004', field: 'externalCustomerId', namespace: 'CRM', sent: 'c-1004', lookedUp: 'c-1004', stored: 'C-1004' },
    { title: 'an email: " Ann@Example.com " finds ann@example.com', field: 'email', namespace: 'Email', sent: ' Ann@Example.com ', lookedUp: 'Ann@Example.com', stored: 'ann@example.com' },
    { title: 'an integer field: 007 finds the lead stored as 7', field: 'loyaltyNumber', namespace: 'Loyalty', sent: '007', lookedUp: '7', stored: 7 },
  ];
  for (const { title, field, namespace, sent, lookedUp, stored } of cases) {
    it(`updates the lead Marketo's lookup returned, never creating a second one (${title})`, async () => {
      const { plugin, activationId } = await sessionOn(field, namespace);
      const update = { id: 77, firstName: 'Cy', lastName: 'Lee', ...(field !== 'email' && { email: 'cy@example.com' }) };
      const api = marketo()
        .get('/rest/v1/leads.json')
        .query(lookupQuery([lookedUp], field))
        .reply(200, envelope([{ id: 77, updatedAt: '2026-06-01T00:00:00Z', [field]: stored }]))
        .post('/rest/v1/leads.json', { action: 'updateOnly', lookupField: 'id', input: [update] })
        .reply(200, envelope([{ id: 77, status: 'updated' }]))
        .post(`/rest/v1/lists/${LIST_ID}/leads.json`, { input: [{ id: 77 }] })
        .reply(200, envelope([{ id: 77, status: 'added' }]));
      const report = await plugin.deliver({ activationId, profiles: [person('r-1', namespace, sent)] });
      api.done();
      expect(nock.pendingMocks()).to.deep.equal([]);
      expect(report.results).to.deep.equal([{ recordId: 'r-1', outcome: 'delivered', leadId: 77, actions: ['updated', 'listAdded:aud-1'] }]);
      expect(report.summary).to.include({ created: 0, updated: 1, apiCalls: 3 });
    });
  }
});
