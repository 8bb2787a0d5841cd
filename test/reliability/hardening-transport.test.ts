import { expect } from 'chai';
import type { MarketoDestinationPlugin } from '../../src/index.js';
import { LIST_ID, profile } from '../support/delivery.js';
import { answer, drip, flood, gzipBomb, inTurn, LoopbackMarketo, loopbackSession, onRealSockets, resetMidBody } from '../support/loopback-marketo.js';

const LOOKUP = '/rest/v1/leads.json';
const ok = (result: unknown[]) => ({ requestId: 'lb#2', success: true, result });

/** Polls real time (the server's side is real I/O) until `condition` holds. */
async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 5) {
    if (waited > 5_000) throw new Error('the condition never held');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('hardening: hostile answers end in the report, never in a crash or a hang (loopback Marketo)', function () {
  this.timeout(30_000);
  onRealSockets();
  let marketo: LoopbackMarketo;
  let plugin: MarketoDestinationPlugin | undefined;

  beforeEach(async () => {
    marketo = await new LoopbackMarketo().start();
    plugin = undefined;
  });

  afterEach(async () => {
    await plugin?.teardown();
    await marketo.close();
  });

  it('reports a profile retryable (MARKETO_UNAVAILABLE) when its lookup answers a gzip bomb, after every attempt', async () => {
    const session = await loopbackSession(marketo);
    plugin = session.plugin;
    marketo.route('GET', LOOKUP, gzipBomb());
    const report = await plugin.deliver({ activationId: session.activationId, profiles: [profile('r-1', 'ann@example.com')] });
    expect(report.results).to.have.length(1);
    expect(report.results[0]).to.deep.include({ recordId: 'r-1', outcome: 'retryable', actions: [] });
    expect(report.results[0]!.reason).to.deep.include({ code: 'MARKETO_UNAVAILABLE', message: `Marketo could not be reached for GET ${LOOKUP}: the answer was larger than 32 MB` });
    expect(marketo.count('GET', LOOKUP)).to.equal(3); // retry.maxAttempts: a transport failure is retried
    expect(report.summary).to.include({ retryable: 1, apiCalls: 3 });
  });

  it('reports the records of a Sync Leads call retryable when it answers a 100 MB body', async () => {
    const session = await loopbackSession(marketo, { retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 } });
    plugin = session.plugin;
    marketo.route('GET', LOOKUP, answer(ok([{ id: 50, updatedAt: '2026-06-01T00:00:00Z', email: 'ann@example.com' }])));
    marketo.route('POST', LOOKUP, flood(100 * 1024 * 1024));
    const report = await plugin.deliver({ activationId: session.activationId, profiles: [profile('r-1', 'ann@example.com')] });
    expect(report.results[0]).to.deep.include({ outcome: 'retryable', leadId: 50, actions: [] });
    expect(report.results[0]!.reason!.code).to.equal('MARKETO_UNAVAILABLE');
    expect(report.results[0]!.reason!.message).to.contain('larger than 32 MB');
  });

  it('retries a lookup whose answer breaks off mid-body, and delivers the profile', async () => {
    const session = await loopbackSession(marketo);
    plugin = session.plugin;
    marketo.route('GET', LOOKUP, inTurn(resetMidBody(), answer(ok([{ id: 50, updatedAt: '2026-06-01T00:00:00Z', email: 'ann@example.com' }]))));
    marketo.route('POST', LOOKUP, answer(ok([{ id: 50, status: 'updated' }])));
    marketo.route('POST', `/rest/v1/lists/${LIST_ID}/leads.json`, answer(ok([{ id: 50, status: 'added' }])));
    const report = await plugin.deliver({ activationId: session.activationId, profiles: [profile('r-1', 'ann@example.com')] });
    expect(report.results).to.deep.equal([{ recordId: 'r-1', outcome: 'delivered', leadId: 50, actions: ['updated', 'listAdded:aud-1'] }]);
    expect(marketo.count('GET', LOOKUP)).to.equal(2);
  });

  it('ends an attempt whose body drips byte by byte at its deadline, and teardown does not wait past it', async () => {
    const session = await loopbackSession(marketo, {
      timeouts: { defaultMs: 300, lookupMs: 300, syncLeadsMs: 300 },
      retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
    });
    plugin = session.plugin;
    marketo.route('GET', LOOKUP, drip(50));
    const started = Date.now();
    const delivery = plugin.deliver({ activationId: session.activationId, profiles: [profile('r-1', 'ann@example.com')] });
    await until(() => marketo.count('GET', LOOKUP) === 1);
    await plugin.teardown();
    const tornDownAfter = Date.now() - started;
    const report = await delivery;
    expect(report.results[0]).to.deep.include({ outcome: 'retryable' });
    expect(report.results[0]!.reason).to.deep.include({ code: 'MARKETO_UNAVAILABLE', message: `Marketo could not be reached for GET ${LOOKUP}: no complete answer within 300 ms` });
    expect(tornDownAfter).to.be.below(4 * 300);
    plugin = undefined;
  });
});
