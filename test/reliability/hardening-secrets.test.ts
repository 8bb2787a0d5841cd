import { expect } from 'chai';
import nock from 'nock';
import { AuthenticationError, createPlugin, type MarketoDestinationPlugin } from '../../src/index.js';
import { lead, LIST_ID, lookupQuery, profile, session } from '../support/delivery.js';
import { BASE, captureLogger, CONFIG, CREDENTIALS, envelope, marketo, MUNCHKIN, TOKEN, testOptions } from '../support/marketo.js';
import { everything } from '../support/observe.js';

const TENANT_A_SECRETS = [CREDENTIALS.clientId, CREDENTIALS.clientSecret, TOKEN];
const TENANT_B = { munchkinId: '456-DEF-789', base: 'https://456-DEF-789.mktorest.com' };

/** Tenant A delivers one profile: lookup, update, list add, on the token it already holds. */
async function tenantADelivers(plugin: MarketoDestinationPlugin, activationId: string, email: string): Promise<void> {
  const api = marketo()
    .get('/rest/v1/leads.json')
    .query(lookupQuery([email]))
    .reply(200, envelope([lead(50, email)]))
    .post('/rest/v1/leads.json', { action: 'updateOnly', lookupField: 'id', input: [{ id: 50, firstName: 'Ann', lastName: 'Lee' }] })
    .reply(200, envelope([{ id: 50, status: 'updated' }]))
    .post(`/rest/v1/lists/${LIST_ID}/leads.json`, { input: [{ id: 50 }] })
    .reply(200, envelope([{ id: 50, status: 'added' }]));
  const report = await plugin.deliver({ activationId, profiles: [profile('r-ann', email)] });
  api.done();
  expect(report.results).to.deep.equal([{ recordId: 'r-ann', outcome: 'delivered', leadId: 50, actions: ['updated', 'listAdded:aud-1'] }]);
}

describe('hardening: one plugin instance, two tenants', () => {
  it("refuses tenant B's 40 000-character credential before any call, shows B nothing of tenant A, and A keeps delivering", async () => {
    const { logger, lines } = captureLogger();
    const { plugin, activationId } = await session({}, { logger, leadCache: false });
    const alerts: unknown[] = [];
    plugin.events.on('auth.failed', (e) => alerts.push(e));
    await tenantADelivers(plugin, activationId, 'ann@example.com'); // A's token is live and known to the plugin

    // B's oversized input even quotes A's secrets, as if it hoped to have them echoed back.
    const hostile = `${'b'.repeat(19_000)}${TENANT_A_SECRETS.join('|')}${'b'.repeat(21_000 - TENANT_A_SECRETS.join('|').length)}`;
    expect(hostile).to.have.length(40_000);
    for (const credentials of [
      { clientId: 'tenant-b-client-id', clientSecret: hostile },
      { clientId: hostile, clientSecret: 'tenant-b-client-secret' },
    ]) {
      const bIdentity = nock(TENANT_B.base).post('/identity/oauth/token').reply(401, { error: 'unauthorized' });
      const error = await plugin.discover({ credentials, munchkinId: TENANT_B.munchkinId }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(AuthenticationError);
      expect((error as Error).message).to.contain('is 40000 characters long, where a real one has a few dozen (at most 1024)');
      expect(bIdentity.isDone(), 'no call was made for tenant B').to.equal(false);
      const observed = everything(error);
      for (const secret of [...TENANT_A_SECRETS, hostile]) expect(observed).not.to.contain(secret);
      nock.cleanAll();
    }
    expect(everything({ alerts, lines })).not.to.contain(CREDENTIALS.clientSecret);

    await tenantADelivers(plugin, activationId, 'ann@example.com');
  });
});

describe('hardening: errors never carry Marketo\'s raw response body', () => {
  // A secret with characters that URL and base64 encodings change: an echo in any of those
  // forms would slip past a redactor that only knows the secret as it was registered.
  const credentials = { clientId: 'client-id+7f3a/9c51', clientSecret: 's3cr3t/with+signs=and&more' };
  const echoes = [
    credentials.clientSecret,
    encodeURIComponent(credentials.clientSecret),
    new URLSearchParams({ client_secret: credentials.clientSecret }).toString(),
    Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`).toString('base64'),
  ];

  it('gives an AuthenticationError, alerts and log lines without a trace of the secret when identity answers 401 echoing it', async () => {
    const { logger, lines } = captureLogger();
    const plugin = createPlugin(testOptions({ logger }));
    const alerts: unknown[] = [];
    plugin.events.on('auth.failed', (e) => alerts.push(e));
    const echo = { error: 'invalid_client', error_description: `Bad client credentials: ${echoes.join(' ')}`, request: echoes };
    const identity = nock(BASE).post('/identity/oauth/token').times(2).reply(401, echo);
    const errors = [
      await plugin.discover({ credentials, munchkinId: MUNCHKIN }).catch((e: unknown) => e),
      await plugin.connect({ credentials, config: { ...CONFIG } }).catch((e: unknown) => e),
    ];
    identity.done();
    for (const error of errors) {
      expect(error).to.be.instanceOf(AuthenticationError);
      expect((error as Error).message).to.contain('HTTP 401');
    }
    expect(alerts).to.have.length(2);
    const observed = everything({ errors, alerts, lines });
    for (const echoed of echoes) expect(observed).not.to.contain(echoed);
    expect(observed).not.to.contain('Bad client credentials');
  });

  it('keeps the body out of the error when identity fails with another status, or answers 200 with an error that echoes it', async () => {
    const { logger, lines } = captureLogger();
    const plugin = createPlugin(testOptions({ logger }));
    const alerts: unknown[] = [];
    plugin.events.on('auth.failed', (e) => alerts.push(e));
    const echo = { error: `invalid client ${echoes.join(' ')}`, request: echoes };
    const failing = nock(BASE).post('/identity/oauth/token').times(3).reply(503, echo);
    const unavailable = await plugin.discover({ credentials, munchkinId: MUNCHKIN }).catch((e: unknown) => e);
    failing.done();
    expect(unavailable).to.include({ name: 'MarketoTransportError', code: 'MARKETO_UNAVAILABLE', httpStatus: 503 });

    const refusing = nock(BASE).post('/identity/oauth/token').reply(200, echo);
    const refused = await plugin.discover({ credentials, munchkinId: MUNCHKIN }).catch((e: unknown) => e);
    refusing.done();
    expect(refused).to.be.instanceOf(AuthenticationError);

    const observed = everything({ errors: [unavailable, refused], alerts, lines });
    for (const echoed of echoes) expect(observed).not.to.contain(echoed);

    // An OAuth error code alone is still named.
    nock(BASE).post('/identity/oauth/token').reply(200, { error: 'invalid_client' });
    const named = await plugin.discover({ credentials, munchkinId: MUNCHKIN }).catch((e: unknown) => e);
    expect((named as Error).message).to.contain('(invalid_client)');
  });
});
