import { expect } from 'chai';
import { SANDBOX_CREDENTIALS, startSandbox, type RunningSandbox, type SandboxOptions } from '../../src/sandbox/server.js';

/** The sandbox itself, spoken to like Marketo over HTTP. */
describe('Marketo sandbox', () => {
  let sandbox: RunningSandbox;
  let clock: number;
  const open = async (options: SandboxOptions = {}) => {
    clock = Date.parse('2026-11-20T15:00:00Z');
    sandbox = await startSandbox({ now: () => clock, ...options });
  };
  afterEach(async () => sandbox?.stop());

  async function token(): Promise<{ access_token: string; expires_in: number }> {
    const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: SANDBOX_CREDENTIALS.clientId, client_secret: SANDBOX_CREDENTIALS.clientSecret });
    const res = await fetch(`${sandbox.url}/identity/oauth/token`, { method: 'POST', body });
    return (await res.json()) as { access_token: string; expires_in: number };
  }

  async function call(path: string, init: RequestInit & { token?: string } = {}): Promise<{ status: number; body: any }> {
    const headers = new Headers(init.headers);
    if (init.token !== undefined) headers.set('authorization', `Bearer ${init.token}`);
    const res = await fetch(`${sandbox.url}${path}`, { ...init, headers });
    const text = await res.text();
    return { status: res.status, body: text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text };
  }

  it('issues the same token with its remaining lifetime, and refuses bad credentials with 401', async () => {
    await open({ tokenTtlSeconds: 3600 });
    const first = await token();
    clock += 600_000;
    const again = await token();
    expect(again.access_token).to.equal(first.access_token);
    expect(again.expires_in).to.equal(3000);
    const refused = await fetch(`${sandbox.url}/identity/oauth/token?grant_type=client_credentials&client_id=x&client_secret=y`);
    expect(refused.status).to.equal(401);
  });

  it('accepts the token only in the Authorization header and answers 602, then 601, after expiry', async () => {
    await open({ tokenTtlSeconds: 60 });
    const { access_token } = await token();
    expect((await call(`/rest/v1/leads/partitions.json?access_token=${access_token}`)).body.errors[0].code).to.equal('601');
    expect((await call('/rest/v1/leads/partitions.json', { token: access_token })).body.success).to.equal(true);
    clock += 61_000;
    expect((await call('/rest/v1/leads/partitions.json', { token: access_token })).body.errors[0].code).to.equal('602');
    expect((await call('/rest/v1/leads/partitions.json', { token: access_token })).body.errors[0].code).to.equal('601');
    expect((await token()).access_token).not.to.equal(access_token);
  });

  it('looks leads up across partitions with paging, by GET or POST ?_method=GET', async () => {
    await open();
    const { access_token } = await token();
    const query = 'filterType=email&filterValues=carla.gomez@example.com,li.wei@example.com&fields=id,updatedAt,email&batchSize=3';
    const page1 = await call(`/rest/v1/leads.json?${query}`, { token: access_token });
    expect(page1.body.result.map((l: { id: number }) => l.id)).to.deep.equal([103, 203, 104]);
    expect(page1.body.moreResult).to.equal(true);
    const page2 = await call('/rest/v1/leads.json?_method=GET', {
      method: 'POST',
      token: access_token,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `${query}&nextPageToken=${page1.body.nextPageToken}`,
    });
    expect(page2.body.result).to.deep.equal([{ id: 304, updatedAt: '2026-07-07T07:07:00Z', email: 'li.wei@example.com' }]);
  });

  it('syncs leads with Marketo record-level codes: 1007 duplicates, 1005, 1004, 1006, 1003, partitions', async () => {
    await open();
    const { access_token } = await token();
    const sync = (body: unknown) => call('/rest/v1/leads.json', { method: 'POST', token: access_token, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const upsert = await sync({ input: [{ email: 'carla.gomez@example.com', firstName: 'C' }, { email: 'new@example.com', firstName: 'N' }] });
    expect(upsert.body.result[0]).to.deep.equal({ status: 'skipped', reasons: [{ code: '1007', message: 'Multiple leads match the lookup criteria' }] });
    expect(upsert.body.result[1].status).to.equal('created');
    const create = await sync({ action: 'createOnly', lookupField: 'email', partitionName: 'EMEA', input: [{ email: 'ann.lee@example.com' }, { email: 'x@example.com', shoeSize: 42 }, { email: 'not-an-email' }, { email: 'eu@example.com' }] });
    expect(create.body.result.map((r: { status: string; reasons?: Array<{ code: string }> }) => r.reasons?.[0]?.code ?? r.status)).to.deep.equal(['1005', '1006', '1003', 'created']);
    expect(sandbox.store.leads.get(create.body.result[3].id)!.partitionId).to.equal(2);
    const update = await sync({ action: 'updateOnly', lookupField: 'id', input: [{ id: 999999, firstName: 'x' }, { id: 101, leadScore: 'high' }] });
    expect(update.body.result.map((r: { reasons: Array<{ code: string }> }) => r.reasons[0]!.code)).to.deep.equal(['1004', '1003']);
  });

  it('keeps static list names unique (709) and answers 1015 when removing a non-member', async () => {
    await open();
    const { access_token } = await token();
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const created = await call('/rest/asset/v1/staticLists.json', { method: 'POST', token: access_token, headers: form, body: 'name=Newsletter%20subscribers&folder={"id":12,"type":"Folder"}' });
    expect(created.body.errors[0].code).to.equal('709');
    const removed = await call('/rest/v1/lists/1100/leads.json', { method: 'DELETE', token: access_token, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: [{ id: 101 }, { id: 104 }] }) });
    expect(removed.body.result).to.deep.equal([{ id: 101, status: 'removed' }, { id: 104, status: 'skipped', reasons: [{ code: '1015', message: 'Lead not in list' }] }]);
  });

  it('enforces calls per window (606), concurrency (615) and the daily quota (607)', async () => {
    await open({ limits: { callsPerWindow: 3, windowMs: 1000, dailyQuota: 5, maxConcurrent: 1 }, latencyMs: 30 });
    let { access_token } = await token();
    const get = () => call('/rest/v1/leads/partitions.json', { token: access_token }).then((r) => (r.body.success ? 'ok' : r.body.errors[0].code));
    expect(await Promise.all([get(), get()])).to.deep.equal(['ok', '615']);
    expect([await get(), await get(), await get()]).to.deep.equal(['ok', 'ok', '606']);
    clock += 1000;
    expect([await get(), await get(), await get()]).to.deep.equal(['ok', 'ok', '607']);
    clock = Date.parse('2026-11-21T06:00:00Z'); // midnight in Chicago
    ({ access_token } = await token());
    expect(await get()).to.equal('ok');
    expect(sandbox.stats).to.include({ rateLimited: 1, concurrencyLimited: 1, quotaExceeded: 1 });
  });

  it('refuses REST bodies over 1 MB with HTTP 413, as Marketo does', async () => {
    await open();
    const { access_token } = await token();
    const big = JSON.stringify({ action: 'createOnly', input: [{ email: 'big@example.com', company: 'x'.repeat(1_100_000) }] });
    const refused = await call('/rest/v1/leads.json', { method: 'POST', token: access_token, headers: { 'content-type': 'application/json' }, body: big });
    expect(refused.status).to.equal(413);
  });

  it('injects faults by configuration: request-level codes, HTTP 5xx, dropped connections', async () => {
    await open({ faults: [{ path: '/partitions', code: '604' }, { path: '/partitions', httpStatus: 503 }, { path: '/partitions', drop: true }] });
    const { access_token } = await token();
    expect((await call('/rest/v1/leads/partitions.json', { token: access_token })).body.errors[0].code).to.equal('604');
    expect((await call('/rest/v1/leads/partitions.json', { token: access_token })).status).to.equal(503);
    const dropped = await call('/rest/v1/leads/partitions.json', { token: access_token }).catch((e: Error) => e);
    expect(dropped).to.be.instanceOf(Error);
    expect((await call('/rest/v1/leads/partitions.json', { token: access_token })).body.success).to.equal(true);
  });
});
