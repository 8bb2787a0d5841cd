import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createPlugin } from '../../src/index.js';
import { AUDIENCE, lead, LIST_ID, profile } from '../support/delivery.js';
import { AUTH, BASE, captureLogger, connected, CREDENTIALS, envelope, listAsset, MAPPINGS, marketo, TOKEN, testOptions } from '../support/marketo.js';
import nock from 'nock';
import { everything } from '../support/observe.js';
import { deleteKeys, describeWithRedis, REDIS_URL, uniquePrefix } from '../support/redis.js';

describe('teardown', () => {
  it('drains the delivery in flight, then leaves nothing that keeps the process alive', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'test/fixtures/teardown-child.ts'], { timeout: 30_000 });
    expect(stdout).to.contain('delivery finished before teardown returned: true');
    expect(stdout).to.contain('delivered: 50');
  });
});

describeWithRedis('teardown in cluster mode', () => {
  it('also closes the Redis connections: the process exits on its own', async () => {
    const prefix = uniquePrefix();
    const env = { ...process.env, CHILD_REDIS_URL: REDIS_URL, CHILD_REDIS_PREFIX: prefix };
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'test/fixtures/teardown-child.ts'], { timeout: 30_000, env }).finally(() => deleteKeys(prefix));
    expect(stdout).to.contain('delivery finished before teardown returned: true');
    expect(stdout).to.contain('delivered: 50');
  });
});

describe('secrets in a failing delivery run', () => {
  it('appear in no log line, error, event, report or exported state', async () => {
    const { logger, lines } = captureLogger();
    const plugin = createPlugin(testOptions({ logger }));
    const events: unknown[] = [];
    for (const name of ['run.started', 'run.succeeded', 'run.failed', 'records.rejected', 'rate.limited', 'quota.exhausted', 'auth.failed'] as const) {
      plugin.events.on(name, (e) => events.push(e));
    }
    const connectionId = await connected(plugin);
    marketo().get('/rest/asset/v1/staticList/byName.json').query(true).reply(200, envelope([listAsset(LIST_ID, AUDIENCE.name)]));
    const { activationId } = await plugin.activate({ connectionId, audiences: [AUDIENCE], mappings: [...MAPPINGS] });
    const leak = `token ${TOKEN} client ${CREDENTIALS.clientId} secret ${CREDENTIALS.clientSecret}`;
    nock(BASE, AUTH)
      .get('/rest/v1/leads.json')
      .query(true)
      .reply(200, envelope([lead(50, 'ann@example.com'), lead(51, 'ben@example.com')]))
      .post('/rest/v1/leads.json')
      .reply(200, envelope([{ id: 50, status: 'updated' }, { status: 'skipped', reasons: [{ code: '1003', message: `Invalid value; ${leak}` }] }]))
      .post(`/rest/v1/lists/${LIST_ID}/leads.json`)
      .times(3)
      .reply(200, { success: false, errors: [{ code: '606', message: `Max rate limit exceeded for ${leak}` }] });
    const report = await plugin.deliver({ activationId, profiles: [profile('r-ann', 'ann@example.com'), profile('r-ben', 'ben@example.com')] });
    expect(report.summary).to.include({ rejected: 1, retryable: 1 });
    const errors = [await plugin.deliver({ activationId: 'nope', profiles: [] }).catch((e: unknown) => e)];
    const state = plugin.exportActivation(activationId);
    const observed = everything({ lines, events, report, errors, state });
    for (const secret of [TOKEN, CREDENTIALS.clientId, CREDENTIALS.clientSecret]) expect(observed).not.to.contain(secret);
    expect(observed).to.contain('[REDACTED]'); // the leaked values were there, and were masked
    expect(events.map((e) => (e as { message: string }).message).join('\n')).to.contain('rate limited');
  });
});
