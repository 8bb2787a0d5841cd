import { expect } from 'chai';
import nock from 'nock';
import { createPlugin, MappingValidationError } from '../../src/index.js';
import type { AudienceSpec } from '../../src/types.js';
import { lead, lookupQuery, profile } from '../support/delivery.js';
import { CONFIG, connected, CREDENTIALS, envelope, identity, listAsset, MAPPINGS, marketo, testOptions } from '../support/marketo.js';

/** Creation calls that a refused activation must never make: counted, so the test can say none was. */
function creations(): { made: string[] } {
  const watch = { made: [] as string[] };
  marketo()
    .post('/rest/asset/v1/staticLists.json')
    .optionally()
    .reply(200, () => (watch.made.push('list'), envelope([listAsset(9999, 'should not exist')])))
    .post('/rest/asset/v1/folders.json')
    .optionally()
    .reply(200, () => (watch.made.push('folder'), envelope([{ id: 9998, name: 'should not exist', folderId: { id: 9998, type: 'Folder' } }])));
  return watch;
}

async function refusal(work: Promise<unknown>): Promise<MappingValidationError> {
  const error = await work.catch((e: unknown) => e);
  expect(error).to.be.instanceOf(MappingValidationError);
  return error as MappingValidationError;
}

const issues = (error: MappingValidationError) => error.issues.map((i) => `${i.code}@${i.path}`);

describe('hardening: the audience ids __proto__ and constructor', () => {
  const AUDIENCES = [
    { id: '__proto__', name: 'Proto members' },
    { id: 'constructor', name: 'Constructor members' },
  ];
  const LISTS = [
    ['__proto__', { listId: 2001, listName: 'Proto members', created: false }],
    ['constructor', { listId: 2002, listName: 'Constructor members', created: false }],
  ];

  /** Audience memberships as JSON gives them to a host: `__proto__` an own key like any other. */
  const memberOfBoth = () => JSON.parse('{"__proto__":{"status":"realized"},"constructor":{"status":"realized"}}') as Record<string, { status: 'realized' }>;

  it('have own lists, get their members added, read memberships by own keys only, and survive export → JSON → restore', async () => {
    const plugin = createPlugin(testOptions());
    const connectionId = await connected(plugin);
    const lookups = marketo();
    for (const [i, audience] of AUDIENCES.entries()) lookups.get('/rest/asset/v1/staticList/byName.json').query({ name: audience.name }).reply(200, envelope([listAsset(2001 + i, audience.name)]));
    const activated = await plugin.activate({ connectionId, activationId: 'act-proto', audiences: AUDIENCES, mappings: [...MAPPINGS] });
    lookups.done();
    expect(Object.entries(activated.lists)).to.deep.equal(LISTS);
    expect(Object.hasOwn(activated.lists, '__proto__')).to.equal(true);
    expect(Object.getPrototypeOf(activated.lists)).to.equal(Object.prototype);

    const ann = profile('r-ann', 'ann@example.com');
    ann.segmentMembership = { ups: memberOfBoth() };
    const ben = profile('r-ben', 'ben@example.com');
    ben.segmentMembership = { ups: {} }; // inherits `constructor` and `__proto__` from Object.prototype only
    const cy = profile('r-cy', 'cy@example.com');
    cy.segmentMembership = { ups: Object.create({ constructor: { status: 'realized' } }) as Record<string, never> };
    const api = marketo()
      .get('/rest/v1/leads.json')
      .query(lookupQuery(['ann@example.com', 'ben@example.com', 'cy@example.com']))
      .reply(200, envelope([lead(50, 'ann@example.com'), lead(51, 'ben@example.com'), lead(52, 'cy@example.com')]))
      .post('/rest/v1/leads.json', { action: 'updateOnly', lookupField: 'id', input: [{ id: 50, firstName: 'Ann', lastName: 'Lee' }, { id: 51, firstName: 'Ben', lastName: 'Lee' }, { id: 52, firstName: 'Cy', lastName: 'Lee' }] })
      .reply(200, envelope([50, 51, 52].map((id) => ({ id, status: 'updated' }))))
      .post('/rest/v1/lists/2001/leads.json', { input: [{ id: 50 }] })
      .reply(200, envelope([{ id: 50, status: 'added' }]))
      .post('/rest/v1/lists/2002/leads.json', { input: [{ id: 50 }] })
      .reply(200, envelope([{ id: 50, status: 'added' }]));
    const report = await plugin.deliver({ activationId: 'act-proto', profiles: [ann, ben, cy] });
    api.done();
    expect(report.results.map((r) => [r.recordId, r.outcome, [...r.actions].sort()])).to.deep.equal([
      ['r-ann', 'delivered', ['listAdded:__proto__', 'listAdded:constructor', 'updated']],
      ['r-ben', 'delivered', ['updated']],
      ['r-cy', 'delivered', ['updated']],
    ]);
    expect(report.summary).to.include({ addedToList: 2 });

    const json = JSON.stringify(plugin.exportActivation('act-proto'));
    const restarted = createPlugin(testOptions());
    const restored = await restarted.restoreActivation(JSON.parse(json), CREDENTIALS);
    expect(restored.activationId).to.equal('act-proto');
    expect(Object.entries(restored.lists)).to.deep.equal(LISTS);
    expect(Object.entries((JSON.parse(JSON.stringify(restarted.exportActivation('act-proto'))) as { lists: object }).lists)).to.deep.equal(LISTS);
    expect(nock.pendingMocks()).to.deep.equal([]); // restoring called nothing

    const dan = profile('r-dan', 'dan@example.com');
    dan.segmentMembership = { ups: memberOfBoth() };
    identity();
    const again = marketo()
      .get('/rest/v1/leads.json')
      .query(lookupQuery(['dan@example.com']))
      .reply(200, envelope([lead(60, 'dan@example.com')]))
      .post('/rest/v1/leads.json', { action: 'updateOnly', lookupField: 'id', input: [{ id: 60, firstName: 'Dan', lastName: 'Lee' }] })
      .reply(200, envelope([{ id: 60, status: 'updated' }]))
      .post('/rest/v1/lists/2001/leads.json', { input: [{ id: 60 }] })
      .reply(200, envelope([{ id: 60, status: 'added' }]))
      .post('/rest/v1/lists/2002/leads.json', { input: [{ id: 60 }] })
      .reply(200, envelope([{ id: 60, status: 'added' }]));
    const after = await restarted.deliver({ activationId: 'act-proto', profiles: [dan] });
    again.done();
    expect([...after.results[0]!.actions].sort()).to.deep.equal(['listAdded:__proto__', 'listAdded:constructor', 'updated']);
    expect(({} as Record<string, unknown>).listId).to.equal(undefined);
  });
});

describe('hardening: two audiences may not share one Marketo list', () => {
  async function activate(audiences: AudienceSpec[]) {
    const plugin = createPlugin(testOptions());
    const connectionId = await connected(plugin);
    return plugin.activate({ connectionId, audiences, mappings: [...MAPPINGS] });
  }

  it('refuses the same listId twice, asking Marketo nothing and creating nothing', async () => {
    const watch = creations();
    const error = await refusal(activate([{ id: 'a', name: 'Loyal', listId: 1001 }, { id: 'b', name: 'Churned', listId: 1001 }]));
    expect(issues(error)).to.deep.equal(['AUDIENCE_LIST_CONFLICT@audiences/1']);
    expect(error.issues[0]!.message).to.contain('1001');
    expect(watch.made).to.deep.equal([]);
  });

  it('refuses the same name twice (one list would be found or created for both), creating nothing', async () => {
    const watch = creations();
    const error = await refusal(activate([{ id: 'a', name: 'Winback' }, { id: 'b', name: 'Winback' }]));
    expect(issues(error)).to.deep.equal(['AUDIENCE_LIST_CONFLICT@audiences/1']);
    expect(watch.made).to.deep.equal([]);
  });

  it("refuses an audience named like the list another audience gives by listId, in either order, creating nothing", async () => {
    for (const [audiences, path] of [
      [[{ id: 'a', name: 'Loyal', listId: 1001 }, { id: 'b', name: 'Existing list' }], 'audiences/1'],
      [[{ id: 'b', name: 'Existing list' }, { id: 'a', name: 'Loyal', listId: 1001 }], 'audiences/0'],
    ] as Array<[AudienceSpec[], string]>) {
      const watch = creations();
      const verify = marketo().get('/rest/asset/v1/staticList/1001.json').reply(200, envelope([listAsset(1001, 'Existing list')]));
      const error = await refusal(activate(audiences));
      verify.done();
      expect(issues(error)).to.deep.equal([`AUDIENCE_LIST_CONFLICT@${path}`]);
      expect(error.issues[0]!.message).to.contain('"Existing list"');
      expect(watch.made).to.deep.equal([]);
      nock.cleanAll();
    }
  });
});

describe("hardening: the list folder is created in the workspace's Group Lists system folder", () => {
  const winback = { id: 'aud-1', name: 'Winback 90 days' };
  const groupLists = (id: number, workspace: string) => ({
    id, name: 'Group Lists', folderId: { id, type: 'Folder' }, folderType: 'List', isSystem: true, path: `/Lead Database/${workspace}/Group Lists`, workspace,
  });
  const namesake = (id: number, workspace: string) => ({
    id, name: 'Group Lists', folderId: { id, type: 'Folder' }, folderType: 'Marketing Folder', isSystem: false, path: `/Marketing Activities/${workspace}/Group Lists`, workspace,
  });

  it('in a workspace other than Default: its own Group Lists, not Default\'s nor a user folder of that name', async () => {
    const plugin = createPlugin(testOptions());
    const connectionId = await connected(plugin, { ...CONFIG, workspaceId: '4', listFolder: 'Web Audiences' });
    const api = marketo()
      .get('/rest/asset/v1/staticList/byName.json')
      .query({ name: winback.name })
      .reply(200, envelope([]))
      .get('/rest/asset/v1/folder/byName.json')
      .query({ name: 'Web Audiences', type: 'Folder', workSpace: 'Europe' })
      .reply(200, envelope([]))
      .get('/rest/asset/v1/folder/byName.json')
      .query({ name: 'Group Lists', type: 'Folder', workSpace: 'Europe' })
      .reply(200, envelope([groupLists(14, 'Default'), namesake(33, 'Europe'), groupLists(24, 'Europe')]))
      .post('/rest/asset/v1/folders.json', (body: Record<string, string>) => body.name === 'Web Audiences' && body.parent === '{"id":24,"type":"Folder"}')
      .reply(200, envelope([{ id: 98, name: 'Web Audiences', folderId: { id: 98, type: 'Folder' }, workspace: 'Europe' }]))
      .post('/rest/asset/v1/staticLists.json', (body: Record<string, string>) => body.name === winback.name && body.folder === '{"id":98,"type":"Folder"}')
      .reply(200, envelope([listAsset(3004, winback.name, 98)]));
    const result = await plugin.activate({ connectionId, audiences: [winback], mappings: [...MAPPINGS] });
    api.done();
    expect(result.lists).to.deep.equal({ 'aud-1': { listId: 3004, listName: winback.name, created: true } });
  });

  it('refuses with LIST_FOLDER_UNAVAILABLE when the workspace shows no Group Lists, creating nothing', async () => {
    const plugin = createPlugin(testOptions());
    const connectionId = await connected(plugin, { ...CONFIG, workspaceId: '4', listFolder: 'Web Audiences' });
    const watch = creations();
    const api = marketo()
      .get('/rest/asset/v1/staticList/byName.json')
      .query({ name: winback.name })
      .reply(200, envelope([]))
      .get('/rest/asset/v1/folder/byName.json')
      .query({ name: 'Web Audiences', type: 'Folder', workSpace: 'Europe' })
      .reply(200, envelope([]))
      .get('/rest/asset/v1/folder/byName.json')
      .query({ name: 'Group Lists', type: 'Folder', workSpace: 'Europe' })
      .reply(200, envelope([groupLists(14, 'Default'), namesake(33, 'Europe')]));
    const error = await refusal(plugin.activate({ connectionId, audiences: [winback], mappings: [...MAPPINGS] }));
    api.done();
    expect(issues(error)).to.deep.equal(['LIST_FOLDER_UNAVAILABLE@config.listFolder']);
    expect(error.issues[0]!.message).to.contain('"Web Audiences"').and.to.contain('"Europe"');
    expect(watch.made).to.deep.equal([]);
  });
});
