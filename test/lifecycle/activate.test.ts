import { expect } from 'chai';
import nock from 'nock';
import { createPlugin, InvalidRequestError, MappingValidationError, type ValidationIssue } from '../../src/index.js';
import { CONFIG, connected, CREDENTIALS, envelope, failure, listAsset, MAPPINGS, marketo, TOKEN, testOptions } from '../support/marketo.js';

const winback = { id: 'aud-1', name: 'Winback 90 days' };
const codes = (issues: ValidationIssue[]) => issues.map((i) => `${i.code}@${i.path}`);

async function refusal(work: Promise<unknown>): Promise<MappingValidationError> {
  const error = await work.catch((e: unknown) => e);
  expect(error).to.be.instanceOf(MappingValidationError);
  expect((error as Error).name).to.equal('MappingValidationError');
  return error as MappingValidationError;
}

describe('activate: mapping validation', () => {
  it('reports every mapping and audience problem at once, calling Marketo for none of them', async () => {
    const plugin = createPlugin(testOptions());
    const connectionId = await connected(plugin, { ...CONFIG, dedupeField: 'externalCustomerId' });
    const error = await refusal(
      plugin.activate({
        connectionId,
        audiences: [winback, { id: 'aud-2', name: 'Accounts', type: 'account' }, { id: 'aud-3', name: 'Look', type: 'prospect' }, { id: 'aud-4', name: 'Rows', type: 'dataset' }],
        mappings: [
          { source: 'identityMap.ECID', target: 'identity:DedupeField' },
          { source: 'identityMap.CRM', target: 'identity:DedupeField' },
          { source: 'person.name.firstName', target: 'firstName' },
          { source: 'crm.leadId', target: 'id' },
          { source: 'loyalty.tier', target: 'shoeSize' },
          { source: 'crm.sfdc', target: 'sfdcLeadId' },
        ],
      }),
    );
    expect(codes(error.issues)).to.deep.equal([
      'UNSUPPORTED_AUDIENCE_TYPE@audiences/1',
      'UNSUPPORTED_AUDIENCE_TYPE@audiences/2',
      'UNSUPPORTED_AUDIENCE_TYPE@audiences/3',
      'ECID_NOT_ALLOWED@mappings/0',
      'LEAD_ID_NOT_ALLOWED@mappings/3',
      'UNKNOWN_TARGET_FIELD@mappings/4',
      'READ_ONLY_TARGET_FIELD@mappings/5',
      'DEDUPE_MAPPING_DUPLICATE@mappings/1',
      'REQUIRED_MAPPING_MISSING@mappings',
      'REQUIRED_MAPPING_MISSING@mappings',
    ]);
    const messages = error.issues.map((i) => i.message).join('\n');
    expect(messages).to.contain('"lastName"').and.to.contain('"email"').and.to.contain('"Accounts" is a account audience');
    expect(nock.pendingMocks()).to.deep.equal([]);
  });

  it('requires a DedupeField mapping', async () => {
    const plugin = createPlugin(testOptions());
    const connectionId = await connected(plugin);
    const error = await refusal(plugin.activate({ connectionId, audiences: [], mappings: MAPPINGS.slice(1) }));
    expect(codes(error.issues)).to.deep.equal(['DEDUPE_MAPPING_MISSING@mappings']);
  });

  it('counts the DedupeField mapping as the email mapping when email is the dedupe field', async () => {
    const plugin = createPlugin(testOptions());
    const connectionId = await connected(plugin, { ...CONFIG, syncType: 'profile_only' });
    const result = await plugin.activate({ connectionId, audiences: [], mappings: [...MAPPINGS] });
    expect(result).to.deep.equal({ activationId: result.activationId, lists: {}, warnings: [] });
    const missingLastName = await refusal(plugin.activate({ connectionId, audiences: [], mappings: MAPPINGS.slice(0, 2) }));
    expect(missingLastName.issues).to.have.length(1);
    expect(missingLastName.issues[0]!.message).to.contain('"lastName"');
  });

  it('requires the email mapping too when another field is the dedupe field', async () => {
    const plugin = createPlugin(testOptions());
    const connectionId = await connected(plugin, { ...CONFIG, syncType: 'profile_only', dedupeField: 'externalCustomerId' });
    const mappings = [{ source: 'identityMap.CRM', target: 'identity:DedupeField' }, ...MAPPINGS.slice(1)];
    const error = await refusal(plugin.activate({ connectionId, audiences: [], mappings }));
    expect(codes(error.issues)).to.deep.equal(['REQUIRED_MAPPING_MISSING@mappings']);
    expect(error.issues[0]!.message).to.contain('"email"');
    const ok = await plugin.activate({ connectionId, audiences: [], mappings: [...mappings, { source: 'personalEmail.address', target: 'email' }] });
    expect(ok.lists).to.deep.equal({});
  });

  it('does not require the creation fields under update_only', async () => {
    const plugin = createPlugin(testOptions());
    const connectionId = await connected(plugin, { ...CONFIG, syncType: 'profile_only', personAction: 'update_only' });
    const result = await plugin.activate({ connectionId, audiences: [], mappings: MAPPINGS.slice(0, 1) });
    expect(result.warnings).to.deep.equal([]);
  });

  it('turns attribute mappings into warnings under audience_only', async () => {
    const plugin = createPlugin(testOptions());
    const connectionId = await connected(plugin, { name: 'Lists', munchkinId: CONFIG.munchkinId, syncType: 'audience_only', dedupeField: 'email' });
    const api = marketo().get('/rest/asset/v1/staticList/byName.json').query({ name: winback.name }).reply(200, envelope([listAsset(1001, winback.name)]));
    const result = await plugin.activate({ connectionId, audiences: [winback], mappings: [...MAPPINGS, { source: 'x.y', target: 'shoeSize' }] });
    expect(result.warnings.map((w) => w.code)).to.deep.equal(['ATTRIBUTE_MAPPING_IGNORED', 'ATTRIBUTE_MAPPING_IGNORED', 'ATTRIBUTE_MAPPING_IGNORED']);
    expect(result.warnings[0]!.message).to.contain('"person.name.firstName" to "firstName" is ignored');
    expect(result.lists).to.deep.equal({ 'aud-1': { listId: 1001, listName: winback.name, created: false } });
    api.done();
  });

  it('refuses mapping sources that could reach an object prototype', async () => {
    const plugin = createPlugin(testOptions());
    const connectionId = await connected(plugin, { ...CONFIG, syncType: 'profile_only' });
    const error = await refusal(
      plugin.activate({ connectionId, audiences: [], mappings: [...MAPPINGS, { source: '__proto__.polluted', target: 'company' }, { source: 'identityMap.constructor', target: 'leadScore' }] }),
    );
    expect(codes(error.issues)).to.deep.equal(['INVALID_MAPPING@mappings/3', 'INVALID_MAPPING@mappings/4']);
  });

  it('refuses an unknown connection and a malformed request as caller errors', async () => {
    const plugin = createPlugin(testOptions());
    const unknown = await plugin.activate({ connectionId: 'nope', audiences: [], mappings: [] }).catch((e: unknown) => e);
    expect(unknown).to.be.instanceOf(InvalidRequestError).and.to.include({ code: 'UNKNOWN_CONNECTION' });
    const malformed = await plugin.activate(null as never).catch((e: unknown) => e);
    expect(malformed).to.be.instanceOf(InvalidRequestError).and.to.include({ code: 'MALFORMED_REQUEST' });
  });
});

describe('activate: audience lists', () => {
  it('reuses the list named like the audience', async () => {
    const plugin = createPlugin(testOptions());
    const connectionId = await connected(plugin);
    const api = marketo().get('/rest/asset/v1/staticList/byName.json').query({ name: winback.name }).reply(200, envelope([listAsset(1001, winback.name)]));
    const result = await plugin.activate({ connectionId, audiences: [winback], mappings: [...MAPPINGS] });
    expect(result.lists).to.deep.equal({ 'aud-1': { listId: 1001, listName: 'Winback 90 days', created: false } });
    api.done();
  });

  it('creates a missing list in the existing list folder of the workspace', async () => {
    const plugin = createPlugin(testOptions());
    const connectionId = await connected(plugin, { ...CONFIG, workspaceId: '4' });
    const api = marketo()
      .get('/rest/asset/v1/staticList/byName.json')
      .query({ name: winback.name })
      .reply(200, envelope([], { warnings: ['No assets found for the given search criteria.'] }))
      .get('/rest/asset/v1/folder/byName.json')
      .query({ name: 'CDP Audiences', type: 'Folder', workSpace: 'Europe' })
      .reply(200, envelope([{ id: 77, name: 'CDP Audiences', folderId: { id: 77, type: 'Folder' }, workspace: 'Europe' }]))
      .post('/rest/asset/v1/staticLists.json', (body: Record<string, string>) => body.name === winback.name && body.folder === '{"id":77,"type":"Folder"}')
      .reply(200, envelope([listAsset(2002, winback.name, 77)]));
    const result = await plugin.activate({ connectionId, audiences: [winback], mappings: [...MAPPINGS] });
    expect(result.lists).to.deep.equal({ 'aud-1': { listId: 2002, listName: 'Winback 90 days', created: true } });
    api.done();
  });

  it("creates the list folder in the workspace's Group Lists when it is missing (the Lead Database is a zone)", async () => {
    const plugin = createPlugin(testOptions());
    const connectionId = await connected(plugin, { ...CONFIG, listFolder: 'Web Audiences' });
    const api = marketo()
      .get('/rest/asset/v1/staticList/byName.json')
      .query({ name: winback.name })
      .reply(200, envelope([]))
      .get('/rest/asset/v1/folder/byName.json')
      .query({ name: 'Web Audiences', type: 'Folder', workSpace: 'Default' })
      .reply(200, envelope([]))
      .get('/rest/asset/v1/folder/byName.json')
      .query({ name: 'Group Lists', type: 'Folder', workSpace: 'Default' })
      .reply(200, envelope([
        // A user's namesake in Marketing Activities is not the system folder.
        { id: 31, name: 'Group Lists', folderId: { id: 31, type: 'Folder' }, folderType: 'Marketing Folder', isSystem: false, path: '/Marketing Activities/Default/Group Lists', workspace: 'Default' },
        { id: 14, name: 'Group Lists', folderId: { id: 14, type: 'Folder' }, folderType: 'List', isSystem: true, path: '/Lead Database/Default/Group Lists', workspace: 'Default' },
      ]))
      .post('/rest/asset/v1/folders.json', (body: Record<string, string>) => body.name === 'Web Audiences' && body.parent === '{"id":14,"type":"Folder"}')
      .reply(200, envelope([{ id: 88, name: 'Web Audiences', folderId: { id: 88, type: 'Folder' }, workspace: 'Default' }]))
      .post('/rest/asset/v1/staticLists.json', (body: Record<string, string>) => body.folder === '{"id":88,"type":"Folder"}')
      .reply(200, envelope([listAsset(3003, winback.name, 88)]));
    const result = await plugin.activate({ connectionId, audiences: [winback], mappings: [...MAPPINGS] });
    expect(result.lists['aud-1']).to.deep.equal({ listId: 3003, listName: 'Winback 90 days', created: true });
    api.done();
  });

  it('falls back to the list that now exists when creation loses a race (709)', async () => {
    const plugin = createPlugin(testOptions());
    const connectionId = await connected(plugin);
    const api = marketo()
      .get('/rest/asset/v1/staticList/byName.json')
      .query({ name: winback.name })
      .reply(200, envelope([]))
      .get('/rest/asset/v1/folder/byName.json')
      .query(true)
      .reply(200, envelope([{ id: 55, name: 'CDP Audiences', folderId: { id: 55, type: 'Folder' }, workspace: 'Default' }]))
      .post('/rest/asset/v1/staticLists.json')
      .reply(200, failure('709', 'Static list name already exists'))
      .get('/rest/asset/v1/staticList/byName.json')
      .query({ name: winback.name })
      .reply(200, envelope([listAsset(4004, winback.name)]));
    const result = await plugin.activate({ connectionId, audiences: [winback], mappings: [...MAPPINGS] });
    expect(result.lists['aud-1']).to.deep.equal({ listId: 4004, listName: 'Winback 90 days', created: false });
    api.done();
  });

  it('verifies a given list id, and refuses an unknown one before creating anything', async () => {
    const plugin = createPlugin(testOptions());
    const connectionId = await connected(plugin);
    const api = marketo()
      .get('/rest/asset/v1/staticList/1001.json')
      .reply(200, envelope([listAsset(1001, 'Existing list')]))
      .get('/rest/asset/v1/staticList/999.json')
      .reply(200, failure('702', 'No data found for the given search criteria'));
    const error = await refusal(
      plugin.activate({
        connectionId,
        audiences: [{ ...winback, listId: 1001 }, { id: 'aud-2', name: 'New audience' }, { id: 'aud-3', name: 'Typo', listId: 999 }],
        mappings: [...MAPPINGS],
      }),
    );
    expect(codes(error.issues)).to.deep.equal(['UNKNOWN_LIST@audiences/2']);
    expect(error.issues[0]!.message).to.contain('999');
    api.done(); // and nothing else: no byName, no folder, no list creation

    const ok = marketo().get('/rest/asset/v1/staticList/1001.json').reply(200, envelope([listAsset(1001, 'Existing list')]));
    const result = await plugin.activate({ connectionId, audiences: [{ ...winback, listId: 1001 }], mappings: [...MAPPINGS] });
    expect(result.lists).to.deep.equal({ 'aud-1': { listId: 1001, listName: 'Existing list', created: false } });
    ok.done();
  });

  it('asks Marketo nothing about lists under profile_only', async () => {
    const plugin = createPlugin(testOptions());
    const connectionId = await connected(plugin, { ...CONFIG, syncType: 'profile_only' });
    const result = await plugin.activate({ connectionId, audiences: [winback], mappings: [...MAPPINGS] });
    expect(result.lists).to.deep.equal({});
  });

  it('is idempotent per activationId: the same lists, nothing created twice', async () => {
    const plugin = createPlugin(testOptions());
    const connectionId = await connected(plugin);
    const first = marketo()
      .get('/rest/asset/v1/staticList/byName.json')
      .query({ name: winback.name })
      .reply(200, envelope([]))
      .get('/rest/asset/v1/folder/byName.json')
      .query(true)
      .reply(200, envelope([{ id: 55, name: 'CDP Audiences', folderId: { id: 55, type: 'Folder' }, workspace: 'Default' }]))
      .post('/rest/asset/v1/staticLists.json')
      .once()
      .reply(200, envelope([listAsset(5005, winback.name)]));
    const one = await plugin.activate({ connectionId, activationId: 'act-1', audiences: [winback], mappings: [...MAPPINGS] });
    first.done();
    const second = marketo().get('/rest/asset/v1/staticList/byName.json').query({ name: 'Second audience' }).reply(200, envelope([listAsset(6006, 'Second audience')]));
    const two = await plugin.activate({
      connectionId,
      activationId: 'act-1',
      audiences: [winback, { id: 'aud-2', name: 'Second audience' }],
      mappings: [...MAPPINGS],
    });
    second.done();
    expect(one.lists['aud-1']).to.deep.equal({ listId: 5005, listName: winback.name, created: true });
    expect(two).to.deep.equal({
      activationId: 'act-1',
      lists: {
        'aud-1': { listId: 5005, listName: winback.name, created: false },
        'aud-2': { listId: 6006, listName: 'Second audience', created: false },
      },
      warnings: [],
    });
  });

  it('alerts the host when Marketo denies access during activation', async () => {
    const plugin = createPlugin(testOptions());
    const alerts: Array<{ stage: string; kind: string }> = [];
    plugin.events.on('auth.failed', (e) => alerts.push(e));
    const connectionId = await connected(plugin);
    marketo().get('/rest/asset/v1/staticList/byName.json').query(true).reply(200, failure('603', 'Access denied'));
    const error = await plugin.activate({ connectionId, audiences: [winback], mappings: [...MAPPINGS] }).catch((e: unknown) => e);
    expect(error).to.have.property('name', 'PermissionError');
    expect(alerts).to.deep.equal([{ message: (error as Error).message, munchkinId: '123-ABC-456', stage: 'activate', kind: 'permission' }]);
  });
});

describe('activation state', () => {
  it('exports as plain JSON without secrets and restores without calling Marketo', async () => {
    const plugin = createPlugin(testOptions());
    const connectionId = await connected(plugin);
    marketo().get('/rest/asset/v1/staticList/byName.json').query(true).reply(200, envelope([listAsset(1001, winback.name)]));
    const activated = await plugin.activate({ connectionId, activationId: 'act-9', audiences: [winback], mappings: [...MAPPINGS] });
    const state = plugin.exportActivation('act-9');
    const json = JSON.stringify(state);
    for (const secret of [CREDENTIALS.clientId, CREDENTIALS.clientSecret, TOKEN]) expect(json).not.to.contain(secret);
    expect(JSON.parse(json)).to.deep.equal(state);
    expect(state).to.deep.include({ kind: 'marketo-engage-destination/activation', version: 1, activationId: 'act-9', connectionId });
    expect(state.lists).to.deep.equal(activated.lists);

    const restarted = createPlugin(testOptions());
    const restored = await restarted.restoreActivation(JSON.parse(json), CREDENTIALS);
    expect(restored).to.deep.equal({ activationId: 'act-9', lists: activated.lists, warnings: [] });
    expect(restarted.exportActivation('act-9')).to.deep.equal(state);
    expect(nock.pendingMocks()).to.deep.equal([]);
  });

  it('refuses a state that is not an exported activation', async () => {
    const plugin = createPlugin(testOptions());
    const error = await plugin.restoreActivation({ activationId: 'x' }, CREDENTIALS).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(InvalidRequestError).and.to.include({ code: 'MALFORMED_REQUEST' });
  });
});
