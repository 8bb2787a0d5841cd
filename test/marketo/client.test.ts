import 'reflect-metadata';
import { expect } from 'chai';
import nock from 'nock';
import { createContainer } from '../../src/container.js';
import { MarketoApiError, MarketoTransportError } from '../../src/errors.js';
import { CallMeter, MarketoClient } from '../../src/marketo/client.js';
import { marketoTarget } from '../../src/marketo/target.js';
import { loadShippedManifest } from '../../src/manifest/validate.js';
import { resolveOptions } from '../../src/options.js';
import { CREDENTIALS, identity, marketo, MUNCHKIN } from '../support/marketo.js';

const request = (meter: CallMeter) => ({ method: 'GET' as const, path: '/rest/v1/leads/partitions.json', meter });
const ok = { requestId: 'r', success: true, result: [{ id: 1, name: 'Default' }] };

function client(maxAttempts = 3) {
  const container = createContainer(resolveOptions({ retry: { maxAttempts, baseDelayMs: 0, maxDelayMs: 0 } }), loadShippedManifest());
  return { client: container.get(MarketoClient), target: marketoTarget(MUNCHKIN, CREDENTIALS, undefined) };
}

describe('MarketoClient', () => {
  it('retries HTTP 5xx within the attempt budget and counts every call', async () => {
    const { client: c, target } = client();
    identity();
    const api = marketo().get('/rest/v1/leads/partitions.json').reply(503).get('/rest/v1/leads/partitions.json').reply(500).get('/rest/v1/leads/partitions.json').reply(200, ok);
    const meter = new CallMeter();
    const envelope = await c.call(target, request(meter));
    expect(envelope.result).to.have.length(1);
    expect(meter.calls).to.equal(3);
    api.done();
  });

  it('gives up after retry.maxAttempts attempts in all, with a transport error', async () => {
    const { client: c, target } = client(2);
    identity();
    marketo().get('/rest/v1/leads/partitions.json').times(2).reply(503);
    const meter = new CallMeter();
    const error = await c.call(target, request(meter)).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(MarketoTransportError);
    expect(error).to.include({ httpStatus: 503, attempts: 2 });
    expect(meter.calls).to.equal(2);
    expect(nock.pendingMocks()).to.deep.equal([]);
  });

  it('retries transient envelope codes and stops on permanent ones', async () => {
    const { client: c, target } = client();
    identity();
    marketo()
      .get('/rest/v1/leads/partitions.json')
      .reply(200, { success: false, errors: [{ code: '608', message: 'API Temporarily Unavailable' }] })
      .get('/rest/v1/leads/partitions.json')
      .reply(200, ok)
      .get('/rest/v1/leads/partitions.json')
      .reply(200, { success: false, errors: [{ code: '610', message: 'Requested resource not found' }] });
    const meter = new CallMeter();
    expect((await c.call(target, request(meter))).result).to.have.length(1);
    const error = await c.call(target, request(meter)).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(MarketoApiError);
    expect(error).to.include({ marketoCode: '610' });
    expect(meter.calls).to.equal(3);
  });

  it('does not retry client errors such as HTTP 414', async () => {
    const { client: c, target } = client();
    identity();
    marketo().get('/rest/v1/leads/partitions.json').reply(414);
    const error = await c.call(target, request(new CallMeter())).catch((e: unknown) => e);
    expect(error).to.include({ httpStatus: 414 });
  });
});
