import { expect } from 'chai';
import Marketo from 'node-marketo-rest';
import { SANDBOX_CREDENTIALS } from '../../src/sandbox/index.js';
import { openSandbox, type SandboxHttp } from '../support/sandbox-http.js';

/**
 * node-marketo-rest, a client used against real Marketo, pointed at the sandbox: every call it
 * makes must be answered in the shape it expects. It has no bulk import (only bulk extract), so
 * bulk import is not exercised here.
 */
describe('Marketo sandbox: driven by node-marketo-rest', () => {
  let m: SandboxHttp;
  let marketo: Marketo;
  beforeEach(async () => {
    m = await openSandbox();
    marketo = new Marketo({ endpoint: `${m.sandbox.url}/rest`, identity: `${m.sandbox.url}/identity`, ...SANDBOX_CREDENTIALS });
  });
  afterEach(async () => m.stop());

  it('authenticates, describes, and reads partitions', async () => {
    const token = await marketo.getOAuthToken();
    expect(token).to.deep.include({ token_type: 'bearer', expires_in: 3600, scope: 'api-user@sandbox.local' });
    const describe = await marketo.lead.describe();
    expect(describe.result.find((f) => f.rest.name === 'email')).to.deep.equal({ id: 2, displayName: 'Email Address', dataType: 'email', length: 255, rest: { name: 'email', readOnly: false }, soap: { name: 'Email', readOnly: false } });
    expect((await marketo.lead.partitions()).result.map((p) => p.name)).to.deep.equal(['Default', 'EMEA', 'APAC']);
    expect(m.sandbox.stats.tokenCalls).to.equal(1);
  });

  it('looks leads up by filter, pages with nextPage, and reads one by id', async () => {
    const page1 = await marketo.lead.find('email', ['carla.gomez@example.com', 'li.wei@example.com'], { fields: ['email', 'leadPartitionId'], batchSize: 3 });
    expect(page1.result).to.deep.equal([
      { id: 103, email: 'carla.gomez@example.com', leadPartitionId: 1 },
      { id: 203, email: 'Carla.Gomez@example.com', leadPartitionId: 2 },
      { id: 104, email: 'li.wei@example.com', leadPartitionId: 1 },
    ]);
    const page2 = await page1.nextPage!();
    expect(page2.result).to.deep.equal([{ id: 304, email: 'li.wei@example.com', leadPartitionId: 3 }]);
    expect((await marketo.lead.byId(102, { fields: ['email', 'company'] })).result).to.deep.equal([{ id: 102, email: 'raj.patel@example.com', company: 'Globex' }]);
    const refused = await marketo.lead.find('shoeSize', ['42']).catch((error: Error & { errors?: unknown }) => error);
    expect(refused).to.include({ name: 'HttpError', message: "Lookup field 'shoeSize' not found" });
  });

  it('syncs leads with its createOrUpdate, per-record statuses included', async () => {
    const synced = await marketo.lead.createOrUpdate([{ email: 'library@example.com', firstName: 'Lib' }, { email: 'ann.lee@example.com', firstName: 'Annie' }], { lookupField: 'email' });
    expect(synced.result).to.deep.equal([{ id: 305, status: 'created' }, { id: 101, status: 'updated' }]);
    const again = await marketo.lead.createOrUpdate([{ email: 'library@example.com' }], { action: 'createOnly' });
    expect(again.result).to.deep.equal([{ status: 'skipped', reasons: [{ code: '1005', message: 'Lead already exists' }] }]);
  });

  it('adds to a list, checks membership, removes, lists the members and finds the list', async () => {
    expect((await marketo.list.addLeadsToList(1100, [103, 999999])).result).to.deep.equal([
      { id: 103, status: 'added' },
      { id: 999999, status: 'skipped', reasons: [{ code: '1004', message: 'Lead not found' }] },
    ]);
    expect((await marketo.list.isMember(1100, [103, 104])).result).to.deep.equal([{ id: 103, status: 'memberof' }, { id: 104, status: 'notmemberof' }]);
    expect((await marketo.list.removeLeadsFromList(1100, [101, 104])).result).to.deep.equal([
      { id: 101, status: 'removed' },
      { id: 104, status: 'skipped', reasons: [{ code: '1015', message: 'Lead not in list' }] },
    ]);
    expect((await marketo.list.getLeads(1100, { fields: 'email' })).result).to.deep.equal([{ id: 102, email: 'raj.patel@example.com' }, { id: 103, email: 'carla.gomez@example.com' }]);
    expect((await marketo.list.find({ name: ['Newsletter subscribers'] })).result).to.deep.equal([
      { id: 1100, name: 'Newsletter subscribers', workspaceName: 'Default', createdAt: '2026-11-20T15:00:00Z', updatedAt: '2026-11-20T15:00:00Z' },
    ]);
  });
});
