import { expect } from 'chai';
import nock from 'nock';
import { createPlugin, StateUnavailableError, type MarketoDestinationPlugin } from '../../src/index.js';
import type { PluginOptions } from '../../src/types.js';
import { AUDIENCE, LIST_ID, profile } from '../support/delivery.js';
import { BASE, CONFIG, CREDENTIALS, envelope, identity, instanceMetadata, listAsset, MAPPINGS, marketo, MUNCHKIN } from '../support/marketo.js';
import { deleteKeys, describeWithRedis, REDIS_URL, RedisRelay, uniquePrefix } from '../support/redis.js';

/** Hooks driven like a host would, in cluster mode: Marketo mocked by nock, the state in the real Redis. */
describeWithRedis('cluster mode: the hooks with shared state in Redis', () => {
  let prefix: string;
  let plugins: MarketoDestinationPlugin[];
  let relay: RedisRelay;

  beforeEach(() => {
    prefix = uniquePrefix();
    plugins = [];
    relay = new RedisRelay();
  });
  afterEach(async () => {
    await Promise.all(plugins.map((p) => p.teardown()));
    await relay.stop();
    await deleteKeys(prefix);
  });

  function plugin(options: PluginOptions = {}, url = REDIS_URL): MarketoDestinationPlugin {
    const created = createPlugin({ retry: { maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 0 }, redis: { url, keyPrefix: prefix }, ...options });
    plugins.push(created);
    return created;
  }

  it('makes one identity call for every plugin instance on the same Redis', async () => {
    const token = identity(); // exactly once
    instanceMetadata();
    instanceMetadata();
    const [a, b] = [plugin(), plugin()];
    await a.connect({ credentials: CREDENTIALS, config: { ...CONFIG } });
    await b.connect({ credentials: CREDENTIALS, config: { ...CONFIG } });
    token.done();
    expect(nock.pendingMocks()).to.deep.equal([]);
  });

  it('while Redis is away: deliver reports every profile retryable with STATE_UNAVAILABLE and sends nothing; the other hooks reject', async () => {
    const host = plugin({}, await relay.start());
    identity();
    instanceMetadata();
    const { connectionId } = await host.connect({ credentials: CREDENTIALS, config: { ...CONFIG } });
    marketo().get('/rest/asset/v1/staticList/byName.json').query({ name: AUDIENCE.name }).reply(200, envelope([listAsset(LIST_ID, AUDIENCE.name)]));
    const { activationId } = await host.activate({ connectionId, audiences: [AUDIENCE], mappings: [...MAPPINGS] });

    await relay.cut();
    const report = await host.deliver({ activationId, profiles: [profile('r-1', 'ann@example.com'), profile('r-2', 'bob@example.com')] });
    expect(report.summary).to.include({ received: 2, retryable: 2, apiCalls: 0 });
    for (const result of report.results) {
      expect(result).to.deep.include({ outcome: 'retryable', actions: [], retryAfterMs: 5000 });
      expect(result.reason?.code).to.equal('STATE_UNAVAILABLE');
    }
    for (const attempt of [
      () => host.discover({ credentials: CREDENTIALS, munchkinId: MUNCHKIN }),
      () => host.connect({ credentials: CREDENTIALS, config: { ...CONFIG } }),
      () => host.activate({ connectionId, audiences: [AUDIENCE], mappings: [...MAPPINGS] }),
    ]) {
      const error = await attempt().catch((e: unknown) => e);
      expect(error).to.be.instanceOf(StateUnavailableError);
      expect(error).to.have.property('name', 'StateUnavailableError');
    }
    expect(nock.pendingMocks(), 'no call reached Marketo').to.deep.equal([]);

    await relay.restore();
    const api = marketo()
      .get('/rest/v1/leads.json')
      .query(true)
      .reply(200, envelope([{ id: 7, updatedAt: '2026-01-01T00:00:00Z', email: 'ann@example.com' }]))
      .post('/rest/v1/leads.json')
      .reply(200, envelope([{ id: 7, status: 'updated' }]))
      .post(`/rest/v1/lists/${LIST_ID}/leads.json`)
      .reply(200, envelope([{ id: 7, status: 'added' }]));
    let again = await host.deliver({ activationId, profiles: [profile('r-1', 'ann@example.com')] });
    for (let i = 0; again.summary.retryable > 0 && i < 50; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100)); // ioredis reconnects in the background
      again = await host.deliver({ activationId, profiles: [profile('r-1', 'ann@example.com')] });
    }
    expect(again.results[0]).to.deep.equal({ recordId: 'r-1', outcome: 'delivered', leadId: 7, actions: ['updated', `listAdded:${AUDIENCE.id}`] });
    api.done();
  });

  it('tears down without rejecting while Redis is away', async () => {
    const host = plugin({}, await relay.start());
    identity();
    instanceMetadata();
    await host.connect({ credentials: CREDENTIALS, config: { ...CONFIG } });
    await relay.cut();
    await host.teardown();
    expect(nock(BASE).pendingMocks()).to.deep.equal([]);
  });
});
