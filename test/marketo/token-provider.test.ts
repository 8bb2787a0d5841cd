import 'reflect-metadata';
import { expect } from 'chai';
import nock from 'nock';
import { createContainer } from '../../src/container.js';
import { AuthenticationError } from '../../src/errors.js';
import { MarketoClient } from '../../src/marketo/client.js';
import { marketoTarget } from '../../src/marketo/target.js';
import { TokenProvider } from '../../src/marketo/token-provider.js';
import { loadShippedManifest } from '../../src/manifest/validate.js';
import { resolveOptions } from '../../src/options.js';
import { createLocalState } from '../../src/state/local/local-state.js';
import { BASE, CREDENTIALS, FakeClock, identity, MUNCHKIN, TOKEN } from '../support/marketo.js';

function setup() {
  const clock = new FakeClock();
  const container = createContainer(
    resolveOptions({ now: clock.now, localState: createLocalState(), retry: { maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 0 } }),
    loadShippedManifest(),
  );
  return {
    clock,
    tokens: container.get(TokenProvider),
    client: container.get(MarketoClient),
    target: marketoTarget(MUNCHKIN, CREDENTIALS, undefined),
  };
}

const partitions = { requestId: 'r', success: true, result: [{ id: 1, name: 'Default' }] };

describe('TokenProvider', () => {
  it('asks once and reuses the token until shortly before it expires', async () => {
    const { clock, tokens, target } = setup();
    const first = identity({ expiresIn: 3600 });
    expect(await tokens.accessToken(target)).to.equal(TOKEN);
    clock.advance(3_500_000);
    expect(await tokens.accessToken(target)).to.equal(TOKEN);
    first.done();
    const second = identity({ token: 'access-token-2', expiresIn: 3600 });
    clock.advance(40_001); // within the last minute of its life
    expect(await tokens.accessToken(target)).to.equal('access-token-2');
    second.done();
  });

  it('honours a short remaining lifetime instead of assuming a fresh hour', async () => {
    const { clock, tokens, target } = setup();
    identity({ expiresIn: 20 });
    await tokens.accessToken(target);
    clock.advance(9_000);
    expect(await tokens.accessToken(target)).to.equal(TOKEN);
    const renewed = identity({ token: 'access-token-2', expiresIn: 3600 });
    clock.advance(1_001);
    expect(await tokens.accessToken(target)).to.equal('access-token-2');
    renewed.done();
  });

  it('treats expires_in 0 as a failed attempt, which the retry loop repeats', async () => {
    const { client, target } = setup();
    const stale = identity({ token: 'about-to-expire', expiresIn: 0 });
    const fresh = identity({ token: 'access-token-2', expiresIn: 3600 });
    const api = nock(BASE).get('/rest/v1/leads/partitions.json').matchHeader('authorization', 'Bearer access-token-2').reply(200, partitions);
    await client.call(target, { method: 'GET', path: '/rest/v1/leads/partitions.json' });
    stale.done();
    fresh.done();
    api.done();
  });

  it('shares one identity request among concurrent callers', async () => {
    const { tokens, target } = setup();
    const scope = identity();
    const all = await Promise.all(Array.from({ length: 8 }, () => tokens.accessToken(target)));
    expect(new Set(all)).to.deep.equal(new Set([TOKEN]));
    scope.done();
  });

  it('keeps tokens apart per instance and per secret', async () => {
    const { tokens } = setup();
    identity();
    nock('https://987-XYZ-654.mktorest.com').post('/identity/oauth/token').reply(200, { access_token: 'other-instance', expires_in: 3600 });
    nock(BASE)
      .post('/identity/oauth/token', (body: Record<string, string>) => body.client_secret === 'wrong-secret-123')
      .reply(401, { error: 'unauthorized' });
    expect(await tokens.accessToken(marketoTarget(MUNCHKIN, CREDENTIALS, undefined))).to.equal(TOKEN);
    expect(await tokens.accessToken(marketoTarget('987-XYZ-654', CREDENTIALS, undefined))).to.equal('other-instance');
    const wrong = marketoTarget(MUNCHKIN, { clientId: CREDENTIALS.clientId, clientSecret: 'wrong-secret-123' }, undefined);
    const error = await tokens.accessToken(wrong).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(AuthenticationError);
  });

  it('sends the credentials in the form body and the token only in the Authorization header', async () => {
    const { client, target } = setup();
    identity();
    const api = nock(BASE)
      .get('/rest/v1/leads/partitions.json')
      .query((query) => Object.keys(query).length === 0)
      .matchHeader('authorization', `Bearer ${TOKEN}`)
      .reply(200, partitions);
    const envelope = await client.call(target, { method: 'GET', path: '/rest/v1/leads/partitions.json' });
    expect(envelope.result).to.deep.equal(partitions.result);
    api.done();
  });

  for (const code of ['601', '602']) {
    it(`on ${code} fetches a new token and retries the call once`, async () => {
      const { client, target } = setup();
      identity({ token: 'old-token' });
      identity({ token: 'new-token' });
      const api = nock(BASE)
        .get('/rest/v1/leads/partitions.json')
        .matchHeader('authorization', 'Bearer old-token')
        .reply(200, { requestId: 'a', success: false, errors: [{ code, message: 'Access token invalid' }] })
        .get('/rest/v1/leads/partitions.json')
        .matchHeader('authorization', 'Bearer new-token')
        .reply(200, partitions);
      const envelope = await client.call(target, { method: 'GET', path: '/rest/v1/leads/partitions.json' });
      expect(envelope.result).to.have.length(1);
      api.done();
    });
  }

  it('gives up after one refresh when Marketo keeps calling the token expired', async () => {
    const { client, target } = setup();
    identity({ token: 'old-token' });
    identity({ token: 'new-token' });
    nock(BASE)
      .get('/rest/v1/leads/partitions.json')
      .twice()
      .reply(200, { requestId: 'a', success: false, errors: [{ code: '602', message: 'Access token expired' }] });
    const error = await client.call(target, { method: 'GET', path: '/rest/v1/leads/partitions.json' }).catch((e: unknown) => e);
    expect(error).to.have.property('marketoCode', '602');
    expect(nock.isDone()).to.equal(true);
  });
});
