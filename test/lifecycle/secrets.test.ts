import { expect } from 'chai';
import nock from 'nock';
import { AuthenticationError, ConfigValidationError, createPlugin, PermissionError } from '../../src/index.js';
import { everything } from '../support/observe.js';
import { BASE, captureLogger, CONFIG, CREDENTIALS, fixture, identity, TOKEN, testOptions } from '../support/marketo.js';

const SECRETS = [CREDENTIALS.clientId, CREDENTIALS.clientSecret, TOKEN];

async function untilAllAnswered(): Promise<void> {
  for (let turn = 0; turn < 1000 && !nock.isDone(); turn++) await new Promise((resolve) => setImmediate(resolve));
  expect(nock.pendingMocks()).to.deep.equal([]);
}

describe('secrets in a failing connect', () => {
  it('appear in no log line, error or event', async () => {
    const { logger, lines } = captureLogger();
    const plugin = createPlugin(testOptions({ logger }));
    const events: unknown[] = [];
    plugin.events.on('auth.failed', (e) => events.push(e));
    const connect = (config: Record<string, unknown> = { ...CONFIG }) =>
      plugin.connect({ credentials: CREDENTIALS, config }).catch((e: unknown) => e);

    // Marketo (or a gateway) echoes the credentials back in an error.
    nock(BASE).post('/identity/oauth/token').reply(401, { error: `bad client ${CREDENTIALS.clientId}/${CREDENTIALS.clientSecret}` });
    const refused = await connect();
    expect(refused).to.be.instanceOf(AuthenticationError);

    // The token is accepted, then the instance fails mid-connect with errors quoting it.
    identity();
    nock(BASE).get('/rest/v1/leads/describe2.json').times(3).reply(502, `bad gateway near ${TOKEN}`);
    nock(BASE).get('/rest/v1/leads/partitions.json').times(3).reply(500, `upstream failed for token ${TOKEN}`);
    nock(BASE).get('/userservice/management/v1/users/workspaces.json').times(3).reply(503, { token: TOKEN });
    const unavailable = await connect();
    expect(unavailable).to.have.property('code', 'MARKETO_UNAVAILABLE');
    await untilAllAnswered(); // the parallel calls still retrying when the first one failed

    // A secret smuggled into the settings is refused without being echoed.
    const smuggled = await connect({ ...CONFIG, munchkinId: 'bad', clientSecret: CREDENTIALS.clientSecret });
    expect(smuggled).to.be.instanceOf(ConfigValidationError);

    // Marketo's 603 message quotes the token.
    nock(BASE)
      .get('/rest/v1/leads/describe2.json')
      .reply(200, { success: false, errors: [{ code: '603', message: `Access denied for ${TOKEN}` }] })
      .get('/rest/v1/leads/partitions.json')
      .reply(200, fixture('partitions.json'))
      .get('/userservice/management/v1/users/workspaces.json')
      .reply(200, fixture('workspaces.json'));
    const denied = await connect();
    expect(denied).to.be.instanceOf(PermissionError);
    expect((denied as PermissionError).marketoMessage).to.equal('Access denied for [REDACTED]');

    const observed = everything({ errors: [refused, unavailable, smuggled, denied], lines, events });
    for (const secret of SECRETS) expect(observed).not.to.contain(secret);
    expect(events).to.have.length(2);
  });
});
