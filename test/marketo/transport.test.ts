import 'reflect-metadata';
import { expect } from 'chai';
import { MarketoTransportError } from '../../src/errors.js';
import { classifyFailure } from '../../src/marketo/classify.js';
import { AxiosTransport, type HttpRequest } from '../../src/marketo/transport.js';
import { drip, flood, gzipBomb, LoopbackMarketo, onRealSockets, resetMidBody, type Sent } from '../support/loopback-marketo.js';

const MB = 1024 * 1024;

/** One request of each shape the plugin sends: lookups, Sync Leads, asset forms, list removals. */
const REQUESTS: Array<Omit<HttpRequest, 'url' | 'timeoutMs'> & { path: string }> = [
  { method: 'GET', path: '/rest/v1/leads.json', query: { filterType: 'email', filterValues: 'ann@example.com' }, operation: 'GET /rest/v1/leads.json' },
  { method: 'POST', path: '/rest/v1/leads.json', json: { action: 'updateOnly', lookupField: 'id', input: [{ id: 1 }] }, operation: 'POST /rest/v1/leads.json' },
  { method: 'POST', path: '/rest/asset/v1/staticLists.json', form: { name: 'Winback', folder: '{"id":1,"type":"Folder"}' }, operation: 'POST /rest/asset/v1/staticLists.json' },
  { method: 'DELETE', path: '/rest/v1/lists/1001/leads.json', json: { input: [{ id: 1 }] }, operation: 'DELETE /rest/v1/lists/{id}/leads.json' },
  { method: 'POST', path: '/identity/oauth/token', form: { grant_type: 'client_credentials' }, operation: 'POST /identity/oauth/token' },
];

/** The highest resident memory seen while `work` runs, above what it was before. */
async function peakGrowth<T>(work: () => Promise<T>): Promise<{ result: T; growth: number }> {
  const before = process.memoryUsage.rss();
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
  try {
    const result = await work();
    return { result, growth: Math.max(peak, process.memoryUsage.rss()) - before };
  } finally {
    clearInterval(sampler);
  }
}

async function failure(work: Promise<unknown>): Promise<MarketoTransportError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).to.be.instanceOf(MarketoTransportError);
  return error as MarketoTransportError;
}

describe('AxiosTransport: answers too large or too slow (loopback servers)', function () {
  this.timeout(60_000);
  onRealSockets();
  let server: LoopbackMarketo;
  let transport: AxiosTransport;

  beforeEach(async () => {
    server = await new LoopbackMarketo().start();
    transport = new AxiosTransport();
  });

  afterEach(async () => {
    transport.close();
    await server.close();
  });

  it('cuts off a 4 MB gzip body that inflates to almost 1 GB at 32 MB, on every kind of call, as a retryable failure', async () => {
    for (const { path, ...request } of REQUESTS) {
      const sent: Sent = { bytes: 0, finished: false };
      server.route(request.method, path, gzipBomb(sent));
      const { result: error, growth } = await peakGrowth(() => failure(transport.send({ ...request, url: `${server.url}${path}`, timeoutMs: 30_000 })));
      expect(error, request.operation).to.include({ code: 'MARKETO_UNAVAILABLE', networkCode: 'RESPONSE_TOO_LARGE', httpStatus: undefined, operation: request.operation });
      expect(error.message).to.equal(`Marketo could not be reached for ${request.operation}: the answer was larger than 32 MB`);
      expect(classifyFailure(error)).to.equal('retry');
      expect(growth, `memory grew by ${Math.round(growth / MB)} MB`).to.be.below(256 * MB);
    }
    expect(server.calls).to.have.length(REQUESTS.length);
  });

  it('stops reading a plain 100 MB body soon after 32 MB, on every kind of call', async () => {
    for (const { path, ...request } of REQUESTS) {
      const sent: Sent = { bytes: 0, finished: false };
      server.route(request.method, path, flood(100 * MB, sent));
      const { result: error, growth } = await peakGrowth(() => failure(transport.send({ ...request, url: `${server.url}${path}`, timeoutMs: 30_000 })));
      expect(error, request.operation).to.include({ networkCode: 'RESPONSE_TOO_LARGE', httpStatus: undefined });
      expect(classifyFailure(error)).to.equal('retry');
      // The client hung up: the server could not write the rest (socket buffers hold a few MB).
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(sent.finished, request.operation).to.equal(false);
      expect(sent.bytes).to.be.below(64 * MB);
      expect(growth, `memory grew by ${Math.round(growth / MB)} MB`).to.be.below(256 * MB);
    }
  });

  it('ends an attempt whose body drips one byte every 50 ms at its 300 ms deadline, not at an idle timeout', async function () {
    this.timeout(5_000);
    for (const { path, ...request } of REQUESTS.slice(0, 2)) {
      const sent: Sent = { bytes: 0, finished: false };
      server.route(request.method, path, drip(50, sent));
      const started = Date.now();
      const error = await failure(transport.send({ ...request, url: `${server.url}${path}`, timeoutMs: 300 }));
      const elapsed = Date.now() - started;
      expect(error).to.include({ networkCode: 'ETIMEDOUT', httpStatus: undefined });
      expect(error.message).to.contain('no complete answer within 300 ms');
      expect(classifyFailure(error)).to.equal('retry');
      expect(sent.bytes, 'the body had started').to.be.above(0);
      expect(elapsed).to.be.below(4 * 300);
    }
  });

  it('treats a connection that breaks off in the middle of a 200 answer as a network failure, which is retried', async () => {
    for (const { path, ...request } of REQUESTS.slice(0, 2)) {
      server.route(request.method, path, resetMidBody());
      const error = await failure(transport.send({ ...request, url: `${server.url}${path}`, timeoutMs: 30_000 }));
      expect(error.httpStatus, request.operation).to.equal(undefined);
      expect(error.message).not.to.contain('HTTP 200');
      expect(classifyFailure(error)).to.equal('retry');
    }
  });
});
