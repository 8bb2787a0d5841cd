import 'reflect-metadata';
import { expect } from 'chai';
import nock from 'nock';
import { createContainer } from '../../src/container.js';
import { MarketoApiError, MarketoTransportError } from '../../src/errors.js';
import type { MarketoCallMetric } from '../../src/events.js';
import { CallMeter, MarketoClient } from '../../src/marketo/client.js';
import { marketoTarget } from '../../src/marketo/target.js';
import { loadShippedManifest } from '../../src/manifest/validate.js';
import { resolveOptions } from '../../src/options.js';
import { createLocalState } from '../../src/state/local/local-state.js';
import { TOKENS } from '../../src/tokens.js';
import type { DestinationEvents } from '../../src/events.js';
import type { PluginOptions } from '../../src/types.js';
import { BASE, CREDENTIALS, identity, marketo, MUNCHKIN, virtualTime } from '../support/marketo.js';

const PATH = '/rest/v1/leads/partitions.json';
const request = (meter: CallMeter) => ({ method: 'GET' as const, path: PATH, meter });
const ok = { requestId: 'e42b#1', success: true, result: [{ id: 1, name: 'Default' }] };
const fail = (code: string) => ({ requestId: 'e42b#2', success: false, errors: [{ code, message: `Marketo says ${code}` }] });

function client(options: PluginOptions = {}) {
  const time = virtualTime();
  const container = createContainer(
    resolveOptions({ now: time.now, sleep: time.sleep, localState: createLocalState(), retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000 }, ...options }),
    loadShippedManifest(),
  );
  const metrics: MarketoCallMetric[] = [];
  container.get<DestinationEvents>(TOKENS.Events).on('marketo.call', (m) => metrics.push(m));
  return { client: container.get(MarketoClient), target: marketoTarget(MUNCHKIN, CREDENTIALS, undefined), clock: time.clock, metrics };
}

describe('MarketoClient: the call pipeline', () => {
  it('retries HTTP 5xx in its one loop, within retry.maxAttempts, and counts every call sent', async () => {
    const { client: c, target, metrics } = client();
    identity();
    const api = marketo().get(PATH).reply(503).get(PATH).reply(500).get(PATH).reply(200, ok);
    const meter = new CallMeter();
    const envelope = await c.call(target, request(meter));
    expect(envelope.result).to.have.length(1);
    expect(meter.calls).to.equal(3);
    expect(metrics.map((m) => [m.attempt, m.outcome, m.httpStatus])).to.deep.equal([[1, 'failed', 503], [2, 'failed', 500], [3, 'ok', 200]]);
    expect(metrics[2]).to.include({ operation: `GET ${PATH}`, munchkinId: MUNCHKIN, requestId: 'e42b#1' });
    api.done();
  });

  it('gives up after retry.maxAttempts attempts in all, with a transport error', async () => {
    const { client: c, target } = client({ retry: { maxAttempts: 2, baseDelayMs: 0, maxDelayMs: 0 } });
    identity();
    marketo().get(PATH).times(2).reply(503);
    const meter = new CallMeter();
    const error = await c.call(target, request(meter)).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(MarketoTransportError);
    expect(error).to.include({ httpStatus: 503 });
    expect(meter.calls).to.equal(2);
    expect(nock.pendingMocks()).to.deep.equal([]);
  });

  it('retries transient envelope codes and stops on permanent ones, with Marketo\'s requestId', async () => {
    const { client: c, target } = client();
    identity();
    marketo().get(PATH).reply(200, fail('608')).get(PATH).reply(200, ok).get(PATH).reply(200, fail('610'));
    const meter = new CallMeter();
    expect((await c.call(target, request(meter))).result).to.have.length(1);
    const error = await c.call(target, request(meter)).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(MarketoApiError);
    expect(error).to.include({ marketoCode: '610', requestId: 'e42b#2' });
    expect((error as Error).message).to.contain('requestId e42b#2');
    expect(meter.calls).to.equal(3);
  });

  it('does not retry client errors such as HTTP 414', async () => {
    const { client: c, target } = client();
    identity();
    marketo().get(PATH).reply(414);
    const error = await c.call(target, request(new CallMeter())).catch((e: unknown) => e);
    expect(error).to.include({ httpStatus: 414 });
  });

  it('makes the token fetch part of an attempt: a failed identity call is retried by the same loop', async () => {
    const { client: c, target } = client();
    const flaky = nock(BASE).post('/identity/oauth/token').reply(503);
    identity();
    const api = marketo().get(PATH).reply(200, ok);
    const meter = new CallMeter();
    await c.call(target, request(meter));
    flaky.done();
    api.done();
    expect(meter.calls, 'identity calls are not API calls').to.equal(1);
  });

  it('fetches at most retry.maxAttempts tokens for one call, whatever fails', async () => {
    const { client: c, target } = client();
    const identityCalls = nock(BASE).post('/identity/oauth/token').times(3).reply(500);
    const error = await c.call(target, request(new CallMeter())).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(MarketoTransportError);
    identityCalls.done();
  });

  it('waits out 606 and 615 (pausing the instance, telling the host) without using up retry.maxAttempts', async () => {
    const { client: c, target, clock } = client({ retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 } });
    identity();
    marketo().get(PATH).reply(200, fail('606')).get(PATH).reply(200, fail('615')).get(PATH).reply(200, fail('606')).get(PATH).reply(200, ok);
    const started = clock.ms;
    const envelope = await c.call(target, request(new CallMeter()));
    expect(envelope.result).to.have.length(1);
    expect(clock.ms - started, 'paused, not retried at once').to.be.greaterThan(1000);
  });

  it('gives up on a rate limit that lasts more than two windows', async () => {
    const { client: c, target } = client({ limits: { windowMs: 5000 } });
    identity();
    marketo().get(PATH).times(40).reply(200, fail('606'));
    const error = await c.call(target, request(new CallMeter())).catch((e: unknown) => e);
    expect(error).to.include({ marketoCode: '606' });
    nock.cleanAll();
  });

  it('stops retrying once the instance\'s retry quota is spent: an outage fails fast', async () => {
    const { client: c, target } = client({ retry: { maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 0 } });
    identity();
    marketo().get(PATH).times(1000).reply(503);
    const attempts: number[] = [];
    for (let i = 0; i < 60; i++) {
      const meter = new CallMeter();
      await c.call(target, request(meter)).catch(() => undefined);
      attempts.push(meter.calls);
    }
    expect(attempts.slice(0, 5)).to.deep.equal([3, 3, 3, 3, 3]);
    expect(attempts.slice(-5), 'no retries left: one attempt each').to.deep.equal([1, 1, 1, 1, 1]);
    nock.cleanAll();
  });
});
