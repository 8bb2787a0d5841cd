import { expect } from 'chai';
import { envelope, openSandbox, outcome, type SandboxHttp } from '../support/sandbox-http.js';

/** Marketo's protocol answers and how its limits count calls. */
describe('Marketo sandbox: protocol errors and limits', () => {
  let m: SandboxHttp;
  afterEach(async () => m?.stop());

  it('answers protocol errors as HTTP 200 envelopes: 610 unknown path, 605 wrong method, 612 content type, 609 invalid JSON', async () => {
    m = await openSandbox();
    const unknown = await m.call('/rest/v1/leadz.json');
    expect(unknown.status).to.equal(200);
    expect(envelope(unknown)).to.deep.equal({ success: false, errors: [{ code: '610', message: 'Requested resource not found' }] });
    expect((await m.call('/rest/v1/leads/partitions.json', { method: 'DELETE' })).body.errors).to.deep.equal([{ code: '605', message: "Request method 'DELETE' not supported" }]);
    const asForm = await m.call('/rest/v1/leads.json', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'input=x' });
    expect(asForm.body.errors).to.deep.equal([{ code: '612', message: 'Invalid Content Type' }]);
    expect(outcome(await m.call('/rest/v1/lists/1100/leads.json?id=101', { method: 'POST' }))).to.equal('612');
    const broken = await m.call('/rest/v1/leads.json', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"input":[{"email":' });
    expect(broken.status).to.equal(200);
    expect(broken.body.errors).to.deep.equal([{ code: '609', message: 'Invalid JSON' }]);
    expect(outcome(await m.form('/rest/v1/leads.json?_method=GET', { filterType: 'email', filterValues: 'ann.lee@example.com' }))).to.equal('ok');
  });

  it("words 606, 615 and 607 as Marketo does, with the instance's own limits", async () => {
    m = await openSandbox({ limits: { callsPerWindow: 2, windowMs: 20_000, maxConcurrent: 1, dailyQuota: 3 }, latencyMs: 20 });
    await m.token();
    const get = () => m.call('/rest/v1/leads/partitions.json');
    const [first, concurrent] = await Promise.all([get(), get()]);
    expect(outcome(first)).to.equal('ok');
    expect(concurrent.body.errors).to.deep.equal([{ code: '615', message: "Concurrent access limit '1' reached" }]);
    await get();
    expect((await get()).body.errors).to.deep.equal([{ code: '606', message: "Max rate limit '2' exceeded with in '20' secs" }]);
    m.clock.advance(20_000);
    await get();
    expect((await get()).body.errors).to.deep.equal([{ code: '607', message: "Daily quota '3' reached" }]);
  });

  it('leaves calls answered 601, 602, 604, 605, 608 or 611 out of the window and the quota', async () => {
    m = await openSandbox({ limits: { callsPerWindow: 3, windowMs: 20_000, dailyQuota: 1000 } });
    for (const code of ['604', '608', '611', '601', '602']) m.sandbox.inject({ path: '/partitions', code });
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push(outcome(await m.call('/rest/v1/leads/partitions.json')));
    codes.push(outcome(await m.call('/rest/v1/leads/partitions.json', { method: 'PUT' })));
    expect(codes).to.deep.equal(['604', '608', '611', '601', '602', '605']);
    const counted = [];
    for (let i = 0; i < 4; i++) counted.push(outcome(await m.call('/rest/v1/leads/partitions.json')));
    expect(counted).to.deep.equal(['ok', 'ok', 'ok', '606']);
    expect(m.sandbox.stats).to.include({ calls: 9, notCounted: 6, rateLimited: 1 });
  });

  it('counts other failures, such as 603 or 610, like any call', async () => {
    m = await openSandbox({ limits: { callsPerWindow: 2, windowMs: 20_000 } });
    m.sandbox.inject({ path: '/partitions', code: '603' });
    expect([outcome(await m.call('/rest/v1/leads/partitions.json')), outcome(await m.call('/rest/v1/nothing.json')), outcome(await m.call('/rest/v1/leads/partitions.json'))]).to.deep.equal(['603', '610', '606']);
  });
});
