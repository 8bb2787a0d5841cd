import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { CsvFile } from '../../src/backfill/csv-file.js';
import { ImportBatcher, ImportScheduler } from '../../src/backfill/import-batches.js';

describe('CsvFile', () => {
  it('quotes what needs quoting, keeps 0 and false as values, and leaves absent fields empty', () => {
    const file = new CsvFile(['email', 'company', 'leadScore', 'unsubscribed', 'notes']);
    file.append(file.lineFor(new Map<string, unknown>([['email', 'a@example.com'], ['company', 'Acme, Inc.'], ['leadScore', 0], ['unsubscribed', false], ['notes', 'said "hi"\nthen left']])));
    file.append(file.lineFor(new Map<string, unknown>([['email', 'b@example.com'], ['company', ' padded ']])));
    const text = file.toBuffer().toString('utf8');
    expect(text.split('\n')[0]).to.equal('email,company,leadScore,unsubscribed,notes');
    expect(parse(text)).to.deep.equal([
      ['email', 'company', 'leadScore', 'unsubscribed', 'notes'],
      ['a@example.com', 'Acme, Inc.', '0', 'false', 'said "hi"\nthen left'],
      ['b@example.com', ' padded ', '', '', ''],
    ]);
    expect(file.rows).to.equal(2);
  });

  it('counts bytes, not characters, against the file limit', () => {
    const file = new CsvFile(['firstName']);
    const line = file.lineFor(new Map([['firstName', 'é'.repeat(10)]]));
    expect(file.fits(line, 'firstName\n'.length + 21)).to.equal(false);
    expect(file.fits(line, 'firstName\n'.length + 22)).to.equal(true);
  });
});

describe('ImportBatcher', () => {
  it('hands a full file to a job and starts the next, by bytes and by rows', () => {
    const launched: Array<{ rows: string[]; bytes: number }> = [];
    const batcher = new ImportBatcher<string>({ lookupField: 'id' }, ['id'], { maxBytes: 15, maxRows: 3 }, (spec, rows) =>
      launched.push({ rows: rows.map((r) => r.owner), bytes: spec.file.length }),
    );
    for (const id of ['1', '2', '3', '4', '55555', '66666']) batcher.add(id, id, new Map([['id', id]]));
    batcher.flush();
    expect(launched.map((l) => l.rows)).to.deep.equal([['1', '2', '3'], ['4', '55555'], ['66666']]);
    expect(launched.every((l) => l.bytes < 15)).to.equal(true);
  });
});

describe('ImportScheduler', () => {
  it('runs at most two imports at once, and one at a time per list', async () => {
    const scheduler = new ImportScheduler();
    const running = new Set<string>();
    let peak = 0;
    const overlaps: string[] = [];
    const job = (name: string, listId?: number) =>
      scheduler.run(listId, async () => {
        if (listId !== undefined && [...running].some((r) => r.startsWith(`list${listId}`))) overlaps.push(name);
        running.add(name);
        peak = Math.max(peak, running.size);
        await new Promise((resolve) => setImmediate(resolve));
        running.delete(name);
      });
    await Promise.all([job('fields1'), job('list7-a', 7), job('list7-b', 7), job('fields2'), job('list8', 8), job('list7-c', 7)]);
    expect(peak).to.equal(2);
    expect(overlaps).to.deep.equal([]);
  });
});
