import { expect } from 'chai';
import { person, sandboxSession } from '../support/sandbox-run.js';
import { openSandbox, type SandboxHttp } from '../support/sandbox-http.js';

/**
 * Marketo's leads docs: closely timed upserts with one key can create duplicates. The create
 * race option models it, so a test can tell a client that overlaps two writes of one value
 * from one that never does.
 */
describe('Marketo sandbox: the create race', () => {
  let m: SandboxHttp;
  afterEach(async () => m?.stop());

  const create = (action: string, firstName: string) => m.json('POST', '/rest/v1/leads.json', { action, input: [{ email: 'race@example.com', firstName }] });
  const racers = () => [...m.sandbox.store.leads.values()].filter((l) => l.fields.email === 'race@example.com').map((l) => l.fields.firstName).sort();

  it('lets two overlapping createOnly calls for one new email both create a lead', async () => {
    m = await openSandbox({ createRace: true, latencyMs: 30 });
    await m.token();
    const answers = await Promise.all([create('createOnly', 'One'), create('createOnly', 'Two')]);
    expect(answers.map((a) => a.body.result[0].status)).to.deep.equal(['created', 'created']);
    expect(racers()).to.deep.equal(['One', 'Two']);
  });

  it('lets overlapping createOrUpdate calls duplicate too, over a window wider than the latency', async () => {
    m = await openSandbox({ createRace: { windowMs: 40 } });
    await m.token();
    const answers = await Promise.all([create('createOrUpdate', 'One'), create('createOrUpdate', 'Two')]);
    expect(answers.map((a) => a.body.result[0].status)).to.deep.equal(['created', 'created']);
    expect(racers()).to.deep.equal(['One', 'Two']);
  });

  it('creates one lead when the calls do not overlap: the second createOnly is skipped 1005', async () => {
    m = await openSandbox({ createRace: true, latencyMs: 30 });
    expect((await create('createOnly', 'One')).body.result[0].status).to.equal('created');
    expect((await create('createOnly', 'Two')).body.result[0].reasons).to.deep.equal([{ code: '1005', message: 'Lead already exists' }]);
    expect(racers()).to.deep.equal(['One']);
  });

  it('is off by default: overlapping calls see each other', async () => {
    m = await openSandbox({ latencyMs: 30 });
    await m.token();
    const answers = await Promise.all([create('createOrUpdate', 'One'), create('createOrUpdate', 'Two')]);
    expect(answers.map((a) => a.body.result[0].status)).to.deep.equal(['created', 'updated']);
    expect(racers()).to.deep.equal(['Two']);
  });

  it('leaves no duplicate behind a plugin that never writes one value twice at once', async () => {
    const session = await sandboxSession({ sandbox: { createRace: true, latencyMs: 20 } });
    try {
      const newcomer = person(7, 'realized', 'overlap@example.com');
      const [first, second] = await Promise.all([
        session.plugin.deliver({ activationId: session.activationId, profiles: [newcomer] }),
        session.plugin.deliver({ activationId: session.activationId, profiles: [{ ...newcomer, recordId: 'r-7b' }] }),
      ]);
      expect([first.summary.delivered, second.summary.delivered]).to.deep.equal([1, 1]);
      expect([...session.sandbox.store.leads.values()].filter((l) => l.fields.email === 'overlap@example.com')).to.have.length(1);
    } finally {
      await session.close();
    }
  });
});
