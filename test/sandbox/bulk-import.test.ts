import { expect } from 'chai';
import { openSandbox, outcome, type SandboxHttp } from '../support/sandbox-http.js';

/** Bulk lead import as Marketo runs it: a FIFO queue, progress on the clock, failures and warnings files. */
describe('Marketo sandbox: bulk lead import', () => {
  let m: SandboxHttp;
  afterEach(async () => m?.stop());

  function upload(file: string, fields: Record<string, string> = {}, name = 'leads.csv') {
    const form = new FormData();
    form.set('format', 'csv');
    for (const [key, value] of Object.entries(fields)) form.set(key, value);
    form.set('file', new Blob([file]), name);
    return m.call('/bulk/v1/leads.json', { method: 'POST', body: form });
  }
  const status = async (batchId: number) => (await m.call(`/bulk/v1/leads/batch/${batchId}.json`)).body.result[0];
  const leadByEmail = (email: string) => [...m.sandbox.store.leads.values()].filter((l) => String(l.fields.email).toLowerCase() === email);

  it('moves Queued → Importing → Complete by elapsed time on the clock, not by the number of polls', async () => {
    m = await openSandbox({ bulk: { rowsPerSecond: 2, queueDelayMs: 1000 } });
    const file = 'email,firstName,leadScore\na@example.com,A,1\nb@example.com,B,2\nnot-an-email,C,3\nd@example.com,D,lots\n';
    const queued = await upload(file);
    expect(queued.body.result).to.deep.equal([{ batchId: 1, importId: '1', status: 'Queued' }]);
    for (let poll = 0; poll < 5; poll++) expect((await status(1)).status).to.equal('Queued');
    m.clock.advance(1000);
    expect(await status(1)).to.deep.equal({ batchId: 1, importId: '1', status: 'Importing', numOfLeadsProcessed: 0, numOfRowsFailed: 0, numOfRowsWithWarning: 0, message: 'Import in progress' });
    m.clock.advance(1000);
    expect(await status(1)).to.include({ status: 'Importing', numOfLeadsProcessed: 2 });
    expect(leadByEmail('b@example.com')).to.have.length(1);
    expect(leadByEmail('not-an-email')).to.have.length(0);
    m.clock.advance(499);
    expect(await status(1)).to.include({ status: 'Importing', numOfLeadsProcessed: 2, numOfRowsWithWarning: 0 });
    m.clock.advance(1);
    expect(await status(1)).to.include({ status: 'Importing', numOfLeadsProcessed: 3, numOfRowsWithWarning: 1 });
    m.clock.advance(500);
    expect(await status(1)).to.deep.equal({
      batchId: 1,
      importId: '1',
      status: 'Complete',
      numOfLeadsProcessed: 3,
      numOfRowsFailed: 1,
      numOfRowsWithWarning: 1,
      message: 'Import completed with errors, 3 records imported (3 members), 1 failed, 1 warning.',
    });
    expect(leadByEmail('a@example.com')[0]!.fields).to.deep.equal({ email: 'a@example.com', firstName: 'A', leadScore: 1 });
  });

  it('writes failures and warnings as the file sent plus a reason column, header row first, quoted where needed', async () => {
    m = await openSandbox({ bulk: { rowsPerSecond: Infinity, queueDelayMs: 0 } });
    const file = [
      'email,firstName,company,leadScore',
      'ok@example.com,Ok,"Acme, Inc.",5',
      'bad-address,"Say ""hi""","Line one\nline two",7',
      'score@example.com,Sc,"Comma, and ""quote""",high',
    ].join('\r\n');
    await upload(file);
    expect(await status(1)).to.include({ status: 'Complete', numOfLeadsProcessed: 2, numOfRowsFailed: 1, numOfRowsWithWarning: 1 });
    const failures = await m.call('/bulk/v1/leads/batch/1/failures.json');
    expect(failures.contentType).to.equal('text/csv;charset=UTF-8');
    expect(failures.body).to.equal('email,firstName,company,leadScore,Import Failure Reason\nscore@example.com,Sc,"Comma, and ""quote""",high,Invalid data type in field Lead Score');
    const warnings = await m.call('/bulk/v1/leads/batch/1/warnings.json');
    expect(warnings.body).to.equal('email,firstName,company,leadScore,Import Warning Reason\nbad-address,"Say ""hi""","Line one\nline two",7,Invalid email address');
    const warned = leadByEmail('bad-address')[0]!;
    expect(warned.fields).to.deep.equal({ email: 'bad-address', firstName: 'Say "hi"', company: 'Line one\nline two', leadScore: 7 });
  });

  it('reads 0 and false as values and an empty cell as no value', async () => {
    m = await openSandbox({ bulk: { rowsPerSecond: Infinity, queueDelayMs: 0 } });
    await upload('email,leadScore,unsubscribed,company,city\njo.smith@example.com,0,false,,Lyon\n');
    expect(await status(1)).to.include({ status: 'Complete', numOfLeadsProcessed: 1 });
    expect(m.sandbox.store.leads.get(106)!.fields).to.deep.equal({ email: 'jo.smith@example.com', firstName: 'Jo', lastName: 'Smith', leadScore: 0, unsubscribed: false, city: 'Lyon' });
  });

  it('takes tsv and ssv files and answers their failures in the same format', async () => {
    m = await openSandbox({ bulk: { rowsPerSecond: Infinity, queueDelayMs: 0 } });
    const tsv = new FormData();
    tsv.set('format', 'tsv');
    tsv.set('file', new Blob(['email\tcompany\ntab@example.com\tA, B\nx@example.com\t' + 'y'.repeat(300) + '\n']), 'leads.tsv');
    await m.call('/bulk/v1/leads.json', { method: 'POST', body: tsv });
    const ssv = new FormData();
    ssv.set('format', 'ssv');
    ssv.set('file', new Blob(['email;leadScore\nsemi@example.com;4\nsemi2@example.com;x;y\n']), 'leads.ssv');
    await m.call('/bulk/v1/leads.json', { method: 'POST', body: ssv });
    expect(await status(1)).to.include({ status: 'Complete', numOfLeadsProcessed: 1, numOfRowsFailed: 1 });
    expect(leadByEmail('tab@example.com')[0]!.fields.company).to.equal('A, B');
    expect((await m.call('/bulk/v1/leads/batch/1/failures.json')).body).to.equal(`email\tcompany\tImport Failure Reason\nx@example.com\t${'y'.repeat(300)}\tValue too long for field Company Name (max 255)`);
    // A row with more cells than the header makes the whole file unreadable: the job fails.
    expect(await status(2)).to.deep.include({ status: 'Failed', numOfLeadsProcessed: 0 });
    expect((await status(2)).message).to.match(/^Invalid file: /);
    expect(leadByEmail('semi@example.com')).to.have.length(0);
  });

  it('with lookupField=id only updates: an unknown id is a failed row, never a new lead', async () => {
    m = await openSandbox({ bulk: { rowsPerSecond: Infinity, queueDelayMs: 0 } });
    const before = m.sandbox.store.leads.size;
    await upload('id,firstName\n101,Annie\n999999,Ghost\n', { lookupField: 'id' });
    expect(await status(1)).to.include({ status: 'Complete', numOfLeadsProcessed: 1, numOfRowsFailed: 1, message: 'Import completed with errors, 1 records imported (1 members), 1 failed' });
    expect(m.sandbox.store.leads.get(101)!.fields.firstName).to.equal('Annie');
    expect(m.sandbox.store.leads.size).to.equal(before);
    expect((await m.call('/bulk/v1/leads/batch/1/failures.json')).body).to.equal('id,firstName,Import Failure Reason\n999999,Ghost,Lead not found');
  });

  it('creates leads in the named partition, adds imported rows to the list, and fails rows matching duplicates', async () => {
    m = await openSandbox({ bulk: { rowsPerSecond: Infinity, queueDelayMs: 0 } });
    await upload('email,firstName\nnew.eu@example.com,Eu\nli.wei@example.com,Li\nann.lee@example.com,Ann\n', { listId: '1100', partitionName: 'EMEA' });
    expect(await status(1)).to.include({ status: 'Complete', numOfLeadsProcessed: 2, numOfRowsFailed: 1 });
    const created = leadByEmail('new.eu@example.com')[0]!;
    expect(m.sandbox.store.partitions.find((p) => p.id === created.partitionId)!.name).to.equal('EMEA');
    expect([...m.sandbox.store.lists.get(1100)!.members].sort()).to.deep.equal([101, 102, created.id].sort());
    expect((await m.call('/bulk/v1/leads/batch/1/failures.json')).body).to.equal('email,firstName,Import Failure Reason\nli.wei@example.com,Li,Multiple leads match the lookup criteria');
  });

  it('imports two jobs at once, queues ten (1016 past that), and refuses a list already being imported to (1019)', async () => {
    m = await openSandbox({ bulk: { rowsPerSecond: 1, queueDelayMs: 0 } });
    const file = (n: number) => `email\njob${n}@example.com\n`;
    expect((await upload(file(1), { listId: '1100' })).body.result[0].status).to.equal('Queued');
    expect(outcome(await upload(file(2), { listId: '1100' }))).to.equal('1019');
    expect((await upload(file(2), { listId: '1100' })).body.errors[0].message).to.equal('Import in progress');
    for (let n = 2; n <= 10; n++) expect(outcome(await upload(file(n)))).to.equal('ok');
    const refused = await upload(file(11));
    expect(refused.body.errors).to.deep.equal([{ code: '1016', message: 'Too many imports' }]);
    const states = async () => Promise.all(Array.from({ length: 10 }, (_, i) => status(i + 1).then((s) => s.status)));
    expect(await states()).to.deep.equal(['Importing', 'Importing', ...Array(8).fill('Queued')]);
    m.clock.advance(1000);
    expect(await states()).to.deep.equal(['Complete', 'Complete', 'Importing', 'Importing', ...Array(6).fill('Queued')]);
    expect(outcome(await upload(file(11), { listId: '1100' }))).to.equal('ok');
    m.clock.advance(5000);
    expect(await states()).to.deep.equal(Array(10).fill('Complete'));
  });

  it('refuses a file of 10 MB or more with HTTP 413', async () => {
    m = await openSandbox();
    const refused = await upload(`email\n${'x'.repeat(10 * 1024 * 1024)}\n`);
    expect(refused.status).to.equal(413);
    expect(m.sandbox.stats.byOperation['POST /bulk/v1/leads.json']).to.equal(1);
  });

  it('ends a job Failed by fault injection, after the rows it had imported', async () => {
    m = await openSandbox({ bulk: { rowsPerSecond: 10, queueDelayMs: 0 } });
    m.sandbox.inject({ method: 'POST', path: '/bulk/v1/leads.json', importFailure: { message: 'Import failed: internal error', afterRows: 1 } });
    await upload('email\nfirst@example.com\nsecond@example.com\n', { listId: '1100' });
    m.clock.advance(100);
    expect(await status(1)).to.deep.equal({ batchId: 1, importId: '1', status: 'Failed', numOfLeadsProcessed: 1, numOfRowsFailed: 0, numOfRowsWithWarning: 0, message: 'Import failed: internal error' });
    expect(leadByEmail('first@example.com')).to.have.length(1);
    expect(leadByEmail('second@example.com')).to.have.length(0);
    expect(outcome(await upload('email\nthird@example.com\n', { listId: '1100' }))).to.equal('ok');
  });

  it('checks the request: format, lookup field, partition and list', async () => {
    m = await openSandbox();
    const noFormat = new FormData();
    noFormat.set('file', new Blob(['email\n']), 'leads.csv');
    const answers = [
      await m.call('/bulk/v1/leads.json', { method: 'POST', body: noFormat }),
      await upload('email\n', { format: 'xlsx' }),
      await upload('email\n', { lookupField: 'company' }),
      await upload('email\n', { lookupField: 'shoeSize' }),
      await upload('email\n', { partitionName: 'Mars' }),
      await upload('email\n', { listId: '4242' }),
    ];
    expect(answers.map((a) => a.body.errors[0])).to.deep.equal([
      { code: '1002', message: "Missing value for the required parameter 'format'" },
      { code: '1003', message: "Invalid format 'xlsx'" },
      { code: '1011', message: "Lookup field 'company' not supported" },
      { code: '1006', message: "Lookup field 'shoeSize' not found" },
      { code: '1003', message: "Invalid partition name 'Mars'" },
      { code: '1013', message: 'Object not found' },
    ]);
  });
});
