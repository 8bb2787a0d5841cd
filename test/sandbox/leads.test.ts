import { expect } from 'chai';
import { DEFAULT_SEED } from '../../src/sandbox/index.js';
import { envelope, openSandbox, type SandboxHttp } from '../support/sandbox-http.js';

/** Lookups, Sync Leads and the lead endpoints client libraries call, with Marketo's codes and texts. */
describe('Marketo sandbox: leads', () => {
  let m: SandboxHttp;
  beforeEach(async () => {
    m = await openSandbox();
  });
  afterEach(async () => m.stop());

  const errors = async (path: string) => (await m.call(path)).body.errors;
  const sync = (body: unknown) => m.json('POST', '/rest/v1/leads.json', body);
  const reasons = (answer: { body: { result: Array<{ status: string; reasons?: unknown[] }> } }) => answer.body.result.map((r) => r.reasons?.[0] ?? r.status);

  it('refuses a lookup on a field that cannot be looked up (1011) or does not exist (1006)', async () => {
    expect(await errors('/rest/v1/leads.json?filterType=company&filterValues=Acme')).to.deep.equal([{ code: '1011', message: "Lookup field 'company' not supported" }]);
    expect(await errors('/rest/v1/leads.json?filterType=shoeSize&filterValues=42')).to.deep.equal([{ code: '1006', message: "Lookup field 'shoeSize' not found" }]);
    expect(await errors('/rest/v1/leads.json?filterValues=42')).to.deep.equal([{ code: '1002', message: "Missing value for the required parameter 'filterType'" }]);
  });

  it('answers 1003 Too many results match the filter past 1000 matches', async () => {
    const seed = structuredClone(DEFAULT_SEED);
    seed.leads = Array.from({ length: 1001 }, (_, i) => ({ id: 5000 + i, fields: { email: `twin${i}@example.com`, lastName: 'Twin', externalCustomerId: 'SAME' } }));
    await m.stop();
    m = await openSandbox({ seed });
    expect(await errors('/rest/v1/leads.json?filterType=externalCustomerId&filterValues=SAME')).to.deep.equal([{ code: '1003', message: 'Too many results match the filter' }]);
  });

  it('answers a lead by id with the requested fields, and the default fields without', async () => {
    expect(envelope(await m.call('/rest/v1/lead/102.json?fields=email,company,city'))).to.deep.equal({ result: [{ id: 102, email: 'raj.patel@example.com', company: 'Globex', city: null }], success: true });
    expect((await m.call('/rest/v1/lead/101.json')).body.result).to.deep.equal([
      { id: 101, email: 'ann.lee@example.com', firstName: 'Ann', lastName: 'Lee', updatedAt: '2026-09-14T08:00:00Z', createdAt: '2026-09-14T08:00:00Z' },
    ]);
    expect(envelope(await m.call('/rest/v1/lead/999999.json'))).to.deep.equal({ result: [], success: true });
  });

  it('describes leads the older way: rest and soap names, read-only flags, display name, type, length, id', async () => {
    const fields = (await m.call('/rest/v1/leads/describe.json')).body.result;
    expect(fields[1]).to.deep.equal({ id: 2, displayName: 'Email Address', dataType: 'email', length: 255, rest: { name: 'email', readOnly: false }, soap: { name: 'Email', readOnly: false } });
    expect(fields.find((f: { rest: { name: string } }) => f.rest.name === 'updatedAt')).to.deep.equal({ id: 17, displayName: 'Updated At', dataType: 'datetime', rest: { name: 'updatedAt', readOnly: true }, soap: { name: 'UpdatedAt', readOnly: true } });
  });

  it('skips an id outside updateOnly with 1003, and answers Marketo texts for the other record codes', async () => {
    const created = await sync({ action: 'createOnly', input: [{ id: 101, email: 'with.id@example.com' }, { email: 'ann.lee@example.com' }, { email: 'fresh@example.com', leadScore: '12' }] });
    expect(reasons(created)).to.deep.equal([{ code: '1003', message: 'Invalid data' }, { code: '1005', message: 'Lead already exists' }, 'created']);
    expect(m.sandbox.store.leads.get(created.body.result[2].id)!.fields).to.deep.equal({ email: 'fresh@example.com', leadScore: 12 });
    const upserted = await sync({ input: [{ id: 101, email: 'ann.lee@example.com' }, { firstName: 'No key' }, { email: 'li.wei@example.com' }, { email: 'x@example.com', unsubscribed: 'maybe' }, { email: 'y@example.com', cookies: 'abc' }] });
    expect(reasons(upserted)).to.deep.equal([
      { code: '1003', message: 'Invalid data' },
      { code: '1003', message: "Value for required field 'email' not specified" },
      { code: '1007', message: 'Multiple leads match the lookup criteria' },
      { code: '1003', message: "Invalid value for field 'unsubscribed'" },
      { code: '1003', message: "Field 'cookies' is not updateable" },
    ]);
    const updated = await sync({ action: 'updateOnly', lookupField: 'id', input: [{ id: 999999, firstName: 'x' }, { id: 102, firstName: 'Rajesh' }] });
    expect(reasons(updated)).to.deep.equal([{ code: '1004', message: 'Lead not found' }, 'updated']);
    expect((await sync({ lookupField: 'company', input: [{ company: 'Acme' }] })).body.errors).to.deep.equal([{ code: '1011', message: "Lookup field 'company' not supported" }]);
  });

  it('stamps lead times to the second, as Marketo answers them', async () => {
    m.clock.advance(1234);
    const created = await sync({ input: [{ email: 'timed@example.com' }] });
    const lead = (await m.call(`/rest/v1/lead/${created.body.result[0].id}.json?fields=createdAt,updatedAt`)).body.result[0];
    expect(lead).to.deep.equal({ id: created.body.result[0].id, createdAt: '2026-11-20T15:00:01Z', updatedAt: '2026-11-20T15:00:01Z' });
  });
});
