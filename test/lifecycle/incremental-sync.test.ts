import { expect } from 'chai';
import nock from 'nock';
import type { DeliveryReport, ProfileEvent, RecordResult } from '../../src/types.js';
import { AUDIENCE, lead, LIST_ID, lookupQuery, profile, session } from '../support/delivery.js';
import { envelope, marketo } from '../support/marketo.js';
import { marketoState, person, sandboxSession, type SandboxSession } from '../support/sandbox-run.js';

/** SPEC §8.2: the lead cache skips lookups and unchanged writes; a dry run says what would happen. */

const ROWS: Array<[string, Record<string, unknown>]> = [
  ['profile only + update and create', { syncType: 'profile_only', personAction: 'update_and_create' }],
  ['profile only + update only', { syncType: 'profile_only', personAction: 'update_only' }],
  ['audience only', { syncType: 'audience_only', personAction: undefined }],
  ['audience and profile + update and create', { syncType: 'audience_and_profile', personAction: 'update_and_create' }],
  ['audience and profile + update only', { syncType: 'audience_and_profile', personAction: 'update_only' }],
];

/** A known lead in the audience, a newcomer in it, and a known lead who left it. */
const PROFILES: ProfileEvent[] = [person(1, 'realized', 'ann.lee@example.com'), person(2, 'realized', 'nina.new@example.com'), person(3, 'exited', 'jo.smith@example.com')];

const shape = (results: RecordResult[]) => results.map(({ recordId, outcome, actions, reason }) => ({ recordId, outcome, actions, ...(reason && { code: reason.code }) }));
const lookups = (s: SandboxSession) => s.sandbox.stats.byOperation['lookup leads'] ?? 0;
const calls = (s: SandboxSession) => s.sandbox.stats.calls;

describe('incremental sync and dry run: every row of the matching table, cold and warm', () => {
  for (const [row, config] of ROWS) {
    it(row, async () => {
      const s = await sandboxSession({ config });
      try {
        const deliver = (dryRun: boolean) => s.plugin.deliver({ activationId: s.activationId, profiles: PROFILES, dryRun });
        const pristine = marketoState(s.sandbox);

        // Cold dry run: lookups only, nothing changes in Marketo, and it says what the delivery will do.
        let before = calls(s);
        const dryCold = await deliver(true);
        expect(dryCold.dryRun).to.equal(true);
        expect(calls(s) - before).to.equal(1).and.equal(dryCold.summary.apiCalls);
        expect(lookups(s)).to.equal(1);
        expect(marketoState(s.sandbox)).to.deep.equal(pristine);

        const cold = await deliver(false);
        expect(cold).not.to.have.property('dryRun');
        expect(shape(cold.results)).to.deep.equal(shape(dryCold.results));
        expect(cold.summary.unchanged).to.equal(0);
        const afterCold = marketoState(s.sandbox);

        // Warm: what was delivered is known; only what was skipped (never cached) is looked up again.
        const skipped = cold.results.filter((r) => r.outcome === 'skipped').length;
        const delivered = cold.results.filter((r) => r.outcome === 'delivered');
        before = calls(s);
        const dryWarm = await deliver(true);
        const warm = await deliver(false);
        expect(calls(s) - before).to.equal(skipped > 0 ? 2 : 0);
        for (const report of [dryWarm, warm]) {
          expect(report.summary).to.include({ unchanged: delivered.length, delivered: delivered.length, skipped, apiCalls: skipped > 0 ? 1 : 0 });
          for (const result of report.results.filter((r) => r.outcome === 'delivered')) expect(result.actions).to.deep.equal(['unchanged']);
        }
        expect(shape(warm.results)).to.deep.equal(shape(dryWarm.results));
        expect(warm.results.map((r) => r.leadId)).to.deep.equal(cold.results.map((r) => r.leadId));
        expect(marketoState(s.sandbox)).to.deep.equal(afterCold);
      } finally {
        await s.close();
      }
    });
  }
});

describe('incremental sync: what is sent when something changed', () => {
  const emails = ['ann@example.com', 'ben@example.com', 'cy@example.com'];
  const leads = [lead(50, emails[0]!), lead(51, emails[1]!), lead(52, emails[2]!)];

  /** Delivers the three profiles once (lookup, update, list add), so the cache knows them. */
  async function warmed(options = {}) {
    const s = await session({}, options);
    marketo()
      .get('/rest/v1/leads.json')
      .query(lookupQuery(emails))
      .reply(200, envelope(leads))
      .post('/rest/v1/leads.json', (body: { action: string }) => body.action === 'updateOnly')
      .reply(200, envelope(leads.map((l) => ({ id: l.id, status: 'updated' }))))
      .post(`/rest/v1/lists/${LIST_ID}/leads.json`)
      .reply(200, envelope(leads.map((l) => ({ id: l.id, status: 'added' }))));
    const first = await s.plugin.deliver({ activationId: s.activationId, profiles: emails.map((e, i) => profile(`r-${i}`, e)) });
    expect(first.summary).to.include({ delivered: 3, updated: 3, addedToList: 3, apiCalls: 3 });
    expect(nock.pendingMocks()).to.deep.equal([]);
    return s;
  }

  it('sends only the changed fields, by id, in one call, and looks nothing up', async () => {
    const { plugin, activationId } = await warmed();
    const api = marketo()
      .post('/rest/v1/leads.json', { action: 'updateOnly', lookupField: 'id', input: [{ id: 50, lastName: 'Lee-Park' }, { id: 52, firstName: 'Cyrus' }] })
      .reply(200, envelope([{ id: 50, status: 'updated' }, { id: 52, status: 'updated' }]));
    const report = await plugin.deliver({
      activationId,
      profiles: [profile('r-0', emails[0]!, { last: 'Lee-Park' }), profile('r-1', emails[1]!), profile('r-2', emails[2]!, { first: 'Cyrus' })],
    });
    api.done();
    expect(report.results).to.deep.equal([
      { recordId: 'r-0', outcome: 'delivered', leadId: 50, actions: ['updated'] },
      { recordId: 'r-1', outcome: 'delivered', leadId: 51, actions: ['unchanged'] },
      { recordId: 'r-2', outcome: 'delivered', leadId: 52, actions: ['updated'] },
    ]);
    expect(report.summary).to.include({ delivered: 3, updated: 2, unchanged: 1, addedToList: 0, apiCalls: 1 });
  });

  it('follows membership flips: a remove for who left, an add again for who came back', async () => {
    const { plugin, activationId } = await warmed();
    const leave = marketo()
      .delete(`/rest/v1/lists/${LIST_ID}/leads.json`, { input: [{ id: 51 }] })
      .reply(200, envelope([{ id: 51, status: 'removed' }]));
    const left = await plugin.deliver({ activationId, profiles: emails.map((e, i) => profile(`r-${i}`, e, { status: i === 1 ? 'exited' : 'realized' })) });
    leave.done();
    expect(left.results.map((r) => r.actions)).to.deep.equal([['unchanged'], [`listRemoved:${AUDIENCE.id}`], ['unchanged']]);
    const comeBack = marketo()
      .post(`/rest/v1/lists/${LIST_ID}/leads.json`, { input: [{ id: 51 }] })
      .reply(200, envelope([{ id: 51, status: 'added' }]));
    const back = await plugin.deliver({ activationId, profiles: emails.map((e, i) => profile(`r-${i}`, e)) });
    comeBack.done();
    expect(back.results.map((r) => r.actions)).to.deep.equal([['unchanged'], [`listAdded:${AUDIENCE.id}`], ['unchanged']]);
  });

  it('looks a lead up again once its entry is older than ttlMs', async () => {
    const options = { leadCache: { ttlMs: 60_000 } };
    const s = await warmed(options);
    const again = marketo().get('/rest/v1/leads.json').query(lookupQuery([emails[0]!])).reply(200, envelope([leads[0]]));
    const fresh = await s.plugin.deliver({ activationId: s.activationId, profiles: [profile('r-0', emails[0]!)] });
    expect(fresh.summary).to.include({ unchanged: 1, apiCalls: 0 });
    expect(again.isDone()).to.equal(false);
    s.clock.advance(60_001);
    // Found again, but its old entry is gone: every field and the membership are sent once more.
    again
      .post('/rest/v1/leads.json', { action: 'updateOnly', lookupField: 'id', input: [{ id: 50, firstName: 'Ann', lastName: 'Lee' }] })
      .reply(200, envelope([{ id: 50, status: 'updated' }]))
      .post(`/rest/v1/lists/${LIST_ID}/leads.json`, { input: [{ id: 50 }] })
      .reply(200, envelope([{ id: 50, status: 'added' }]));
    const stale = await s.plugin.deliver({ activationId: s.activationId, profiles: [profile('r-0', emails[0]!)] });
    again.done();
    expect(stale.results[0]).to.deep.equal({ recordId: 'r-0', outcome: 'delivered', leadId: 50, actions: ['updated', `listAdded:${AUDIENCE.id}`] });
    expect(stale.summary.apiCalls).to.equal(3);
  });

  it('looks up again the leads it had no room to keep (maxEntries)', async () => {
    const s = await warmed({ leadCache: { maxEntries: 2 } });
    // Room for one generation of one entry: most of what was written is forgotten again.
    const looked: string[] = [];
    marketo()
      .get('/rest/v1/leads.json')
      .query(true)
      .reply(200, (uri) => {
        const values = new URL(uri, 'https://x').searchParams.get('filterValues')!.split(',');
        looked.push(...values);
        return envelope(leads.filter((l) => values.includes(l.email)));
      })
      .post('/rest/v1/leads.json')
      .optionally()
      .reply(200, (_uri, body) => envelope((body as { input: Array<{ id: number }> }).input.map((r) => ({ id: r.id, status: 'updated' }))))
      .post(`/rest/v1/lists/${LIST_ID}/leads.json`)
      .optionally()
      .reply(200, (_uri, body) => envelope((body as { input: Array<{ id: number }> }).input.map((r) => ({ id: r.id, status: 'added' }))));
    const report = await s.plugin.deliver({ activationId: s.activationId, profiles: emails.map((e, i) => profile(`r-${i}`, e)) });
    expect(looked.length, 'leads it had no room for are looked up again').to.be.within(1, 2);
    expect(report.results.map((r) => [r.outcome, r.leadId])).to.deep.equal([['delivered', 50], ['delivered', 51], ['delivered', 52]]);
    // A lead whose entry was forgotten is written in full again: nothing is skipped on a guess.
    for (const result of report.results) if (looked.includes(emails[Number(result.recordId.slice(2))]!)) expect(result.actions).to.include('updated');
  });

  it('looks every profile up again when the cache is turned off', async () => {
    const s = await warmed({ leadCache: false });
    const api = marketo()
      .get('/rest/v1/leads.json')
      .query(lookupQuery(emails))
      .reply(200, envelope(leads))
      .post('/rest/v1/leads.json')
      .reply(200, envelope(leads.map((l) => ({ id: l.id, status: 'updated' }))))
      .post(`/rest/v1/lists/${LIST_ID}/leads.json`)
      .reply(200, envelope(leads.map((l) => ({ id: l.id, status: 'added' }))));
    const report = await s.plugin.deliver({ activationId: s.activationId, profiles: emails.map((e, i) => profile(`r-${i}`, e)) });
    api.done();
    expect(report.summary).to.include({ unchanged: 0, apiCalls: 3 });
  });

  it('forgets a cached lead that Marketo answers 1004 for, looks the profile up and writes it again in the same delivery', async () => {
    const { plugin, activationId } = await warmed();
    // ben's lead 51 was merged into 61 in Marketo since the last delivery.
    const api = marketo()
      .post('/rest/v1/leads.json', { action: 'updateOnly', lookupField: 'id', input: [{ id: 51, firstName: 'Benjamin' }] })
      .reply(200, envelope([{ status: 'skipped', reasons: [{ code: '1004', message: 'Lead not found' }] }]))
      .get('/rest/v1/leads.json')
      .query(lookupQuery([emails[1]!]))
      .reply(200, envelope([lead(61, emails[1]!)]))
      .post('/rest/v1/leads.json', { action: 'updateOnly', lookupField: 'id', input: [{ id: 61, firstName: 'Benjamin', lastName: 'Lee' }] })
      .reply(200, envelope([{ id: 61, status: 'updated' }]))
      .post(`/rest/v1/lists/${LIST_ID}/leads.json`, { input: [{ id: 61 }] })
      .reply(200, envelope([{ id: 61, status: 'added' }]));
    const report = await plugin.deliver({ activationId, profiles: [profile('r-1', emails[1]!, { first: 'Benjamin' })] });
    api.done();
    expect(report.results).to.deep.equal([{ recordId: 'r-1', outcome: 'delivered', leadId: 61, actions: ['updated', `listAdded:${AUDIENCE.id}`] }]);
    const next = await plugin.deliver({ activationId, profiles: [profile('r-1', emails[1]!, { first: 'Benjamin' })] });
    expect(next.results[0]).to.deep.equal({ recordId: 'r-1', outcome: 'delivered', leadId: 61, actions: ['unchanged'] });
  });

  it('changes nothing in the cache on a dry run', async () => {
    const { plugin, activationId } = await warmed();
    const dry: DeliveryReport = await plugin.deliver({ activationId, profiles: [profile('r-0', emails[0]!, { last: 'Changed' })], dryRun: true });
    expect(dry).to.deep.include({ dryRun: true });
    expect(dry.results[0]).to.deep.equal({ recordId: 'r-0', outcome: 'delivered', leadId: 50, actions: ['updated'] });
    expect(dry.summary.apiCalls).to.equal(0);
    const api = marketo()
      .post('/rest/v1/leads.json', { action: 'updateOnly', lookupField: 'id', input: [{ id: 50, lastName: 'Changed' }] })
      .reply(200, envelope([{ id: 50, status: 'updated' }]));
    await plugin.deliver({ activationId, profiles: [profile('r-0', emails[0]!, { last: 'Changed' })] });
    api.done();
  });
});
