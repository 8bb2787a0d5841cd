import { expect } from 'chai';
import nock from 'nock';
import { AuthenticationError, ConfigValidationError, createPlugin } from '../../src/index.js';
import { BASE, CREDENTIALS, fixture, identity, instanceMetadata, marketo, MUNCHKIN, testOptions } from '../support/marketo.js';

describe('discover', () => {
  it('lists workspaces, partitions, dedupe-field choices and the writable fields', async () => {
    identity();
    const api = instanceMetadata();
    const result = await createPlugin(testOptions()).discover({ credentials: CREDENTIALS, munchkinId: MUNCHKIN });
    expect(result.workspaces).to.deep.equal([{ id: '1', name: 'Default' }, { id: '4', name: 'Europe' }]);
    expect(result.partitions).to.deep.equal([
      { id: 1, name: 'Default', description: 'Initial system lead partition' },
      { id: 2, name: 'EMEA', description: 'Leads from Europe' },
    ]);
    // Searchable single fields of type string/email/integer — never id, cookies, leadPartitionId,
    // a composite key (firstName+lastName) or a datetime (createdAt).
    expect(result.dedupeFields.map((f) => f.name)).to.deep.equal(['email', 'externalCustomerId', 'loyaltyNumber', 'sfdcLeadId']);
    expect(result.dedupeFields[0]).to.deep.equal({ name: 'email', displayName: 'Email Address', dataType: 'email', length: 255 });
    expect(result.fields.map((f) => f.name)).to.deep.equal([
      'email', 'firstName', 'lastName', 'company', 'externalCustomerId', 'loyaltyNumber', 'leadScore', 'unsubscribed', 'birthDate',
    ]);
    api.done();
  });

  it('falls back to the workspace names on folders when the User Management API is refused', async () => {
    identity();
    const api = marketo()
      .get('/rest/v1/leads/describe2.json')
      .reply(200, fixture('describe2.json'))
      .get('/rest/v1/leads/partitions.json')
      .reply(200, fixture('partitions.json'))
      .get('/userservice/management/v1/users/workspaces.json')
      .reply(403, { message: 'Forbidden' })
      .get('/rest/asset/v1/folders.json')
      .query({ maxDepth: 1, maxReturn: 200 })
      .reply(200, fixture('folders-fallback.json'));
    const result = await createPlugin(testOptions()).discover({ credentials: CREDENTIALS, munchkinId: MUNCHKIN });
    expect(result.workspaces).to.deep.equal([{ id: 'Default', name: 'Default' }, { id: 'Europe', name: 'Europe' }]);
    api.done();
  });

  it('falls back as well when the refusal comes as a 603 envelope', async () => {
    identity();
    marketo()
      .get('/rest/v1/leads/describe2.json')
      .reply(200, fixture('describe2.json'))
      .get('/rest/v1/leads/partitions.json')
      .reply(200, fixture('partitions.json'))
      .get('/userservice/management/v1/users/workspaces.json')
      .reply(200, { success: false, errors: [{ code: '603', message: 'Access denied' }] })
      .get('/rest/asset/v1/folders.json')
      .query(true)
      .reply(200, fixture('folders-fallback.json'));
    const result = await createPlugin(testOptions()).discover({ credentials: CREDENTIALS, munchkinId: MUNCHKIN });
    expect(result.workspaces.map((w) => w.name)).to.deep.equal(['Default', 'Europe']);
  });

  it('throws AuthenticationError on bad credentials', async () => {
    nock(BASE).post('/identity/oauth/token').reply(401, { error: 'unauthorized' });
    const plugin = createPlugin(testOptions());
    const error = await plugin
      .discover({ credentials: { clientId: 'someone-else', clientSecret: 'not-the-secret' }, munchkinId: MUNCHKIN })
      .catch((e: unknown) => e);
    expect(error).to.be.instanceOf(AuthenticationError);
  });

  it('refuses a malformed Munchkin id before any call', async () => {
    const error = await createPlugin(testOptions())
      .discover({ credentials: CREDENTIALS, munchkinId: 'evil.example/123' })
      .catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ConfigValidationError);
    expect((error as ConfigValidationError).issues.map((i) => i.code)).to.deep.equal(['INVALID_MUNCHKIN_ID']);
  });
});
