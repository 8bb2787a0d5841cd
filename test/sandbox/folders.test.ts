import { expect } from 'chai';
import { DEFAULT_SEED } from '../../src/sandbox/index.js';
import { envelope, openSandbox, outcome, type SandboxHttp } from '../support/sandbox-http.js';

/** Folders as real instances have them: per workspace a Lead Database zone holding the system folder Group Lists. */
describe('Marketo sandbox: folders', () => {
  let m: SandboxHttp;
  beforeEach(async () => {
    m = await openSandbox();
  });
  afterEach(async () => m.stop());

  const SEEDED_AT = '2026-11-20T15:00:00Z+0000';
  const folder = (id: number, name: string, extra: Record<string, unknown>) => ({
    name,
    description: null,
    createdAt: SEEDED_AT,
    updatedAt: SEEDED_AT,
    url: null,
    folderId: { id, type: 'Folder' },
    folderType: 'List',
    parent: null,
    path: `/${name}`,
    isArchive: false,
    isSystem: false,
    accessZoneId: 1,
    workspace: 'Default',
    id,
    ...extra,
  });
  const ZONE_12 = folder(12, 'Lead Database', { folderType: 'Zone', isSystem: true });
  const GROUP_LISTS_14 = folder(14, 'Group Lists', { parent: { id: 12, type: 'Folder' }, path: '/Lead Database/Default/Group Lists', isSystem: true });
  const GROUP_LISTS_42 = folder(42, 'Group Lists', { parent: { id: 40, type: 'Folder' }, path: '/Lead Database/Europe/Group Lists', isSystem: true, accessZoneId: 4, workspace: 'Europe' });

  it('finds each workspace\'s Group Lists by name, shaped like a recorded answer', async () => {
    const answer = await m.call('/rest/asset/v1/folder/byName.json?name=Group%20Lists&type=Folder');
    expect(envelope(answer)).to.deep.equal({ success: true, errors: [], warnings: [], result: [GROUP_LISTS_14, GROUP_LISTS_42] });
    expect((await m.call('/rest/asset/v1/folder/byName.json?name=Lead%20Database&workSpace=Default')).body.result).to.deep.equal([ZONE_12]);
    expect(envelope(await m.call('/rest/asset/v1/folder/byName.json?name=Nowhere'))).to.deep.equal({ success: true, errors: [], warnings: ['No assets found for the given search criteria.'] });
  });

  it('answers a folder by id, and 702 for an unknown one', async () => {
    expect((await m.call('/rest/asset/v1/folder/14.json?type=Folder')).body.result).to.deep.equal([GROUP_LISTS_14]);
    expect((await m.call('/rest/asset/v1/folder/777.json?type=Folder')).body.errors).to.deep.equal([{ code: '702', message: 'No data found for the given search criteria' }]);
  });

  it('creates list folders under Group Lists (and, undocumented, under the zone itself), stamped in the asset API\'s form', async () => {
    m.clock.advance(90_500);
    const created = await m.form('/rest/asset/v1/folders.json', { name: 'CDP Audiences', parent: '{"id":14,"type":"Folder"}', description: 'Synced audiences' });
    const at = '2026-11-20T15:01:30Z+0000';
    expect(created.body.result).to.deep.equal([
      folder(1101, 'CDP Audiences', { description: 'Synced audiences', createdAt: at, updatedAt: at, parent: { id: 14, type: 'Folder' }, path: '/Lead Database/Default/Group Lists/CDP Audiences' }),
    ]);
    const nested = await m.form('/rest/asset/v1/folders.json', { name: 'Winback', parent: '{"id":1101,"type":"Folder"}' });
    expect(nested.body.result[0]).to.include({ path: '/Lead Database/Default/Group Lists/CDP Audiences/Winback', folderType: 'List' });
    const underZone = await m.form('/rest/asset/v1/folders.json', { name: 'Loose', parent: '{"id":40,"type":"Folder"}' });
    expect(underZone.body.result[0]).to.include({ path: '/Lead Database/Europe/Loose', folderType: 'List', workspace: 'Europe' });
    const again = await m.form('/rest/asset/v1/folders.json', { name: 'CDP Audiences', parent: '{"id":14,"type":"Folder"}' });
    expect(again.body.errors).to.deep.equal([{ code: '709', message: "Folder 'CDP Audiences' already exists" }]);
    expect(outcome(await m.form('/rest/asset/v1/folders.json', { name: 'Orphan', parent: '{"id":777,"type":"Folder"}' }))).to.equal('710');
  });

  it('puts the seeded list and new lists in Group Lists folders, answered like recorded static lists', async () => {
    const seeded = await m.call('/rest/asset/v1/staticList/1100.json');
    expect(seeded.body.result).to.deep.equal([{ id: 1100, name: 'Newsletter subscribers', createdAt: SEEDED_AT, updatedAt: SEEDED_AT, folder: { id: 14, type: 'Folder' }, computedUrl: 'https://app.sandbox.invalid/#ST1100A1', workspace: 'Default' }]);
    const created = await m.form('/rest/asset/v1/staticLists.json', { name: 'EU list', folder: '{"id":42,"type":"Folder"}', description: 'Europe' });
    expect(created.body.result[0]).to.deep.include({ id: 1101, name: 'EU list', description: 'Europe', folder: { id: 42, type: 'Folder' }, workspace: 'Europe' });
  });

  it('browses folders from a root, down maxDepth levels, paged by offset and maxReturn, within a workspace', async () => {
    await m.form('/rest/asset/v1/folders.json', { name: 'CDP Audiences', parent: '{"id":14,"type":"Folder"}' });
    await m.form('/rest/asset/v1/folders.json', { name: 'Deep', parent: '{"id":1101,"type":"Folder"}' });
    const ids = async (query: string) => ((await m.call(`/rest/asset/v1/folders.json?${query}`)).body.result ?? []).map((f: { id: number }) => f.id);
    expect(await ids('root={"id":12,"type":"Folder"}')).to.deep.equal([12, 14, 1101]);
    expect(await ids('root={"id":12,"type":"Folder"}&maxDepth=0')).to.deep.equal([12]);
    expect(await ids('root={"id":12,"type":"Folder"}&maxDepth=3')).to.deep.equal([12, 14, 1101, 1102]);
    expect(await ids('maxDepth=1')).to.deep.equal([12, 14, 13, 40, 42, 41]);
    expect(await ids('maxDepth=1&workSpace=Europe')).to.deep.equal([40, 42, 41]);
    expect(await ids('maxDepth=1&offset=2&maxReturn=3')).to.deep.equal([13, 40, 42]);
  });

  it('completes a seed whose workspaces lack a Lead Database zone or Group Lists', async () => {
    await m.stop();
    m = await openSandbox({ seed: { ...DEFAULT_SEED, folders: [{ id: 12, name: 'Lead Database', workspace: 'Default' }], lists: [] } });
    const groupLists = (await m.call('/rest/asset/v1/folder/byName.json?name=Group%20Lists')).body.result;
    expect(groupLists.map((f: { path: string; isSystem: boolean }) => [f.path, f.isSystem])).to.deep.equal([
      ['/Lead Database/Default/Group Lists', true],
      ['/Lead Database/Europe/Group Lists', true],
    ]);
  });
});
