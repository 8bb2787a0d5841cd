import { expect } from 'chai';
import nock from 'nock';
import { createPlugin, InvalidRequestError, type MarketoDestinationPlugin } from '../../src/index.js';
import type { DestinationEventName } from '../../src/events.js';
import type { Logger, ProfileEvent } from '../../src/types.js';
import { AUDIENCE, lead, LIST_ID, lookupQuery, profile, session } from '../support/delivery.js';
import { connected, envelope, failure, listAsset, MAPPINGS, marketo, testOptions, virtualTime } from '../support/marketo.js';

const AUDIENCE_ONLY = { syncType: 'audience_only', personAction: undefined };
const EVENTS: DestinationEventName[] = ['run.started', 'run.succeeded', 'run.failed', 'records.rejected', 'rate.limited', 'quota.exhausted', 'auth.failed', 'marketo.call'];

/** Lets pending callbacks and rejections run (nothing here waits on time). */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('hardening: teardown while a delivery is in flight', () => {
  it('refuses a delivery called after teardown() returned, sends none of its records, and lets the one in flight finish', async () => {
    const { plugin, activationId } = await session(AUDIENCE_ONLY);
    const unmatched: string[] = [];
    const onNoMatch = (req: { method: string; path: string }) => unmatched.push(`${req.method} ${req.path}`);
    nock.emitter.on('no match', onNoMatch);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let arrived!: () => void;
    const lookupArrived = new Promise<void>((resolve) => (arrived = resolve));
    const api = marketo()
      .get('/rest/v1/leads.json')
      .query(lookupQuery(['ann@example.com']))
      .reply(async () => {
        arrived();
        await gate;
        return [200, envelope([lead(50, 'ann@example.com')])];
      })
      .post(`/rest/v1/lists/${LIST_ID}/leads.json`, { input: [{ id: 50 }] })
      .reply(200, envelope([{ id: 50, status: 'added' }]));
    try {
      const inFlight = plugin.deliver({ activationId, profiles: [profile('r-ann', 'ann@example.com')] });
      await lookupArrived;
      let tornDown = false;
      const teardown = plugin.teardown().then(() => (tornDown = true));
      const late = await plugin.deliver({ activationId, profiles: [profile('r-ben', 'ben@example.com')] }).catch((e: unknown) => e);
      expect(late).to.be.instanceOf(InvalidRequestError).and.to.include({ code: 'TORN_DOWN' });
      expect(tornDown, 'teardown drains the delivery in flight first').to.equal(false);
      release();
      expect(await inFlight).to.deep.include({
        results: [{ recordId: 'r-ann', outcome: 'delivered', leadId: 50, actions: ['listAdded:aud-1'] }],
      });
      await teardown;
      api.done();
      expect(unmatched).to.deep.equal([]);
    } finally {
      nock.emitter.removeListener('no match', onNoMatch);
    }
  });
});

describe('hardening: sparse profile lists', () => {
  it('rejects each hole with INVALID_PROFILE at its own index and delivers the rest', async () => {
    const { plugin, activationId } = await session(AUDIENCE_ONLY);
    const profiles: ProfileEvent[] = [];
    profiles[2] = profile('r-2', 'ann@example.com');
    profiles[4] = profile('r-4', 'ben@example.com');
    expect(profiles).to.have.length(5);
    const api = marketo()
      .get('/rest/v1/leads.json')
      .query(lookupQuery(['ann@example.com', 'ben@example.com']))
      .reply(200, envelope([lead(50, 'ann@example.com'), lead(51, 'ben@example.com')]))
      .post(`/rest/v1/lists/${LIST_ID}/leads.json`, { input: [{ id: 50 }, { id: 51 }] })
      .reply(200, envelope([{ id: 50, status: 'added' }, { id: 51, status: 'added' }]));
    const report = await plugin.deliver({ activationId, profiles });
    api.done();
    expect(report.results.map((r) => [r.recordId, r.outcome, r.reason?.code])).to.deep.equal([
      ['#0', 'rejected', 'INVALID_PROFILE'],
      ['#1', 'rejected', 'INVALID_PROFILE'],
      ['r-2', 'delivered', undefined],
      ['#3', 'rejected', 'INVALID_PROFILE'],
      ['r-4', 'delivered', undefined],
    ]);
    expect(report.summary).to.include({ received: 5, delivered: 2, rejected: 3 });
  });
});

describe('hardening: a host logger or listener that fails changes nothing', () => {
  const failing = (): Logger => {
    const fail = () => {
      throw new Error('the host logger is down');
    };
    return { debug: fail, info: fail, warn: fail, error: fail };
  };

  function listenBadly(plugin: MarketoDestinationPlugin): void {
    for (const name of EVENTS) {
      plugin.events.on(name, () => {
        throw new Error(`listener of ${name} is broken`);
      });
      plugin.events.on(name, async () => {
        throw new Error(`async listener of ${name} is broken`);
      });
    }
  }

  let unhandled: unknown[];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeEach(() => {
    unhandled = [];
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(() => {
    process.removeListener('unhandledRejection', onUnhandled);
  });

  it('activates with exactly the expected list, then retries a 608 and delivers the record', async () => {
    const plugin = createPlugin(testOptions({ logger: failing() }));
    listenBadly(plugin);
    const connectionId = await connected(plugin);
    const lists = marketo()
      .get('/rest/asset/v1/staticList/byName.json')
      .query({ name: AUDIENCE.name })
      .reply(200, envelope([]))
      .get('/rest/asset/v1/folder/byName.json')
      .query(true)
      .reply(200, envelope([{ id: 55, name: 'CDP Audiences', folderId: { id: 55, type: 'Folder' }, workspace: 'Default' }]))
      .post('/rest/asset/v1/staticLists.json')
      .once()
      .reply(200, envelope([listAsset(5005, AUDIENCE.name)]));
    const activated = await plugin.activate({ connectionId, audiences: [AUDIENCE], mappings: [...MAPPINGS] });
    lists.done();
    expect(activated.lists).to.deep.equal({ 'aud-1': { listId: 5005, listName: AUDIENCE.name, created: true } });

    const api = marketo()
      .get('/rest/v1/leads.json')
      .query(lookupQuery(['ann@example.com']))
      .reply(200, envelope([lead(50, 'ann@example.com')]))
      .post('/rest/v1/leads.json', { action: 'updateOnly', lookupField: 'id', input: [{ id: 50, firstName: 'Ann', lastName: 'Lee' }] })
      .reply(200, failure('608', 'API Temporarily Unavailable'))
      .post('/rest/v1/leads.json', { action: 'updateOnly', lookupField: 'id', input: [{ id: 50, firstName: 'Ann', lastName: 'Lee' }] })
      .reply(200, envelope([{ id: 50, status: 'updated' }]))
      .post('/rest/v1/lists/5005/leads.json', { input: [{ id: 50 }] })
      .reply(200, envelope([{ id: 50, status: 'added' }]));
    const report = await plugin.deliver({ activationId: activated.activationId, profiles: [profile('r-ann', 'ann@example.com')] });
    api.done();
    expect(report.results).to.deep.equal([{ recordId: 'r-ann', outcome: 'delivered', leadId: 50, actions: ['updated', 'listAdded:aud-1'] }]);
    expect(report.summary).to.include({ delivered: 1, apiCalls: 4 });
    await plugin.teardown();
    await settle();
    expect(unhandled).to.deep.equal([]);
  });

  it('reports a failed run the same, with no unhandled rejection from async listeners', async () => {
    const { plugin, activationId } = await session({ syncType: 'profile_only' }, { logger: failing() });
    listenBadly(plugin);
    marketo().get('/rest/v1/leads.json').query(true).reply(200, envelope([lead(50, 'ann@example.com')]))
      .post('/rest/v1/leads.json').reply(200, envelope([{ status: 'skipped', reasons: [{ code: '1003', message: 'Invalid value' }] }]));
    const report = await plugin.deliver({ activationId, profiles: [profile('r-ann', 'ann@example.com')] });
    expect(report.results[0]).to.deep.include({ outcome: 'rejected', reason: { code: 'MARKETO_REJECTED', message: 'Marketo skipped the record: 1003 Invalid value', marketoCode: '1003', requestId: 'req#1' } });
    await settle();
    expect(unhandled).to.deep.equal([]);
  });
});

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe('hardening: the daily quota resets at midnight Chicago time, as Marketo resets it', () => {
  const cases = [
    { title: 'in summer, in the hour after Chicago midnight (00:20 CDT): at 01:00 CDT, 12:00 AM CST', at: '2026-07-15T05:20:00Z', resetsAt: '2026-07-15T06:00:00.000Z', retryAfterMs: 40 * MINUTE },
    { title: 'in summer, later in the day (07:00 CDT): at the next Chicago midnight', at: '2026-07-15T12:00:00Z', resetsAt: '2026-07-16T05:00:00.000Z', retryAfterMs: 17 * HOUR },
    { title: 'in winter, just after midnight (00:20 CST): at the next Chicago midnight', at: '2026-01-15T06:20:00Z', resetsAt: '2026-01-16T06:00:00.000Z', retryAfterMs: 23 * HOUR + 40 * MINUTE },
  ];
  for (const { title, at, resetsAt, retryAfterMs } of cases) {
    it(`reports records retryable until the reset after a 607 ${title}`, async () => {
      const time = virtualTime(Date.parse(at));
      const { plugin, activationId } = await session({ syncType: 'profile_only' }, { now: time.now, sleep: time.sleep });
      const alerts: Array<{ resetsAt: string }> = [];
      plugin.events.on('quota.exhausted', (e) => alerts.push(e));
      marketo().get('/rest/v1/leads.json').query(true).reply(200, failure('607', 'Daily quota reached'));
      const report = await plugin.deliver({ activationId, profiles: [profile('r-1', 'ann@example.com')] });
      expect(nock.pendingMocks()).to.deep.equal([]);
      expect(report.results[0]).to.deep.include({ outcome: 'retryable', retryAfterMs });
      expect(report.results[0]!.reason).to.include({ code: 'QUOTA_EXHAUSTED', marketoCode: '607' });
      expect(alerts.map((a) => a.resetsAt)).to.deep.equal([resetsAt]);
    });
  }
});
