import { expect } from 'chai';
import { envelope, openSandbox, outcome, type SandboxHttp } from '../support/sandbox-http.js';

/** Static list membership as Marketo's list-membership reference and recorded answers show it. */
describe('Marketo sandbox: static list membership', () => {
  let m: SandboxHttp;
  beforeEach(async () => {
    m = await openSandbox();
  });
  afterEach(async () => m.stop());

  const JSON_TYPE = { 'content-type': 'application/json' };
  const members = () => [...m.sandbox.store.lists.get(1100)!.members].sort();

  it('adds by repeated id parameters, one result per id in order: re-adding a member answers added, an unknown lead is skipped 1004', async () => {
    const added = await m.call('/rest/v1/lists/1100/leads.json?id=102&id=999999&id=104', { method: 'POST', headers: JSON_TYPE });
    expect(envelope(added)).to.deep.equal({
      result: [
        { id: 102, status: 'added' },
        { id: 999999, status: 'skipped', reasons: [{ code: '1004', message: 'Lead not found' }] },
        { id: 104, status: 'added' },
      ],
      success: true,
    });
    expect(members()).to.deep.equal([101, 102, 104]);
  });

  it('takes the ids as a JSON body too, and removes: a non-member is skipped 1015, an unknown lead 1004', async () => {
    await m.json('POST', '/rest/v1/lists/1100/leads.json', { input: [{ id: 203 }] });
    const removed = await m.json('DELETE', '/rest/v1/lists/1100/leads.json', { input: [{ id: 101 }, { id: 104 }, { id: 999999 }, { id: 203 }] });
    expect(removed.body.result).to.deep.equal([
      { id: 101, status: 'removed' },
      { id: 104, status: 'skipped', reasons: [{ code: '1015', message: 'Lead not in list' }] },
      { id: 999999, status: 'skipped', reasons: [{ code: '1004', message: 'Lead not found' }] },
      { id: 203, status: 'removed' },
    ]);
    const byQuery = await m.call('/rest/v1/lists/1100/leads.json?id=102', { method: 'DELETE', headers: JSON_TYPE });
    expect(byQuery.body.result).to.deep.equal([{ id: 102, status: 'removed' }]);
    expect(members()).to.deep.equal([]);
  });

  it('answers ismember per id, in repeated and comma forms; an unknown lead is skipped 1004', async () => {
    const expected = [
      { id: 101, status: 'memberof' },
      { id: 103, status: 'notmemberof' },
      { id: 999999, status: 'skipped', reasons: [{ code: '1004', message: 'Lead not found' }] },
    ];
    expect((await m.call('/rest/v1/lists/1100/leads/ismember.json?id=101&id=103&id=999999')).body.result).to.deep.equal(expected);
    expect((await m.call('/rest/v1/lists/1100/leads/ismember.json?id=101,103,999999')).body.result).to.deep.equal(expected);
  });

  it('answers 1013 for an unknown list and refuses more than 300 ids', async () => {
    expect((await m.json('POST', '/rest/v1/lists/4242/leads.json', { input: [{ id: 101 }] })).body.errors).to.deep.equal([{ code: '1013', message: 'Object not found' }]);
    expect(outcome(await m.call('/rest/v1/lists/4242/leads/ismember.json?id=101'))).to.equal('1013');
    const many = Array.from({ length: 301 }, (_, i) => ({ id: i + 1 }));
    expect((await m.json('POST', '/rest/v1/lists/1100/leads.json', { input: many })).body.errors).to.deep.equal([{ code: '1003', message: 'Too many ids (max 300)' }]);
    expect(outcome(await m.json('POST', '/rest/v1/lists/1100/leads.json', { input: many.slice(0, 300) }))).to.equal('ok');
  });

  it('lists the members, paged, by the current and the older path', async () => {
    const first = await m.call('/rest/v1/lists/1100/leads.json?batchSize=1&fields=email');
    expect(envelope(first)).to.deep.equal({ result: [{ id: 101, email: 'ann.lee@example.com' }], success: true, moreResult: true, nextPageToken: first.body.nextPageToken });
    const second = await m.form('/rest/v1/list/1100/leads.json?_method=GET', { batchSize: '1', fields: 'email', nextPageToken: first.body.nextPageToken });
    expect(envelope(second)).to.deep.equal({ result: [{ id: 102, email: 'raj.patel@example.com' }], success: true });
  });

  it('finds static lists by id, name and workspace, paged by nextPageToken', async () => {
    await m.form('/rest/asset/v1/staticLists.json', { name: 'EU winback', folder: '{"id":42,"type":"Folder"}' });
    await m.form('/rest/asset/v1/staticLists.json', { name: 'Default winback', folder: '{"id":14,"type":"Folder"}' });
    const view = (id: number, name: string, workspaceName: string) => ({ id, name, workspaceName, createdAt: '2026-11-20T15:00:00Z', updatedAt: '2026-11-20T15:00:00Z' });
    expect((await m.call('/rest/v1/lists.json')).body.result).to.deep.equal([view(1100, 'Newsletter subscribers', 'Default'), view(1101, 'EU winback', 'Europe'), view(1102, 'Default winback', 'Default')]);
    expect((await m.call('/rest/v1/lists.json?workspaceName=Europe')).body.result).to.deep.equal([view(1101, 'EU winback', 'Europe')]);
    expect((await m.call('/rest/v1/lists.json?name=Default%20winback,Newsletter%20subscribers')).body.result.map((l: { id: number }) => l.id)).to.deep.equal([1100, 1102]);
    expect((await m.form('/rest/v1/lists.json?_method=GET', { id: '1101,1102' })).body.result.map((l: { id: number }) => l.id)).to.deep.equal([1101, 1102]);
    expect((await m.call('/rest/v1/lists.json?programName=Webinar')).body.result).to.deep.equal([]);
    const page1 = await m.call('/rest/v1/lists.json?batchSize=2');
    expect(page1.body.result.map((l: { id: number }) => l.id)).to.deep.equal([1100, 1101]);
    const page2 = await m.call(`/rest/v1/lists.json?batchSize=2&nextPageToken=${page1.body.nextPageToken}`);
    expect(envelope(page2)).to.deep.equal({ result: [view(1102, 'Default winback', 'Default')], success: true });
  });
});
