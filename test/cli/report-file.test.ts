import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReportFile } from '../../src/cli/report-file.js';

describe('ReportFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mkto-report-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('replaces the previous report only on commit', async () => {
    const path = join(dir, 'report.jsonl');
    writeFileSync(path, 'previous\n');
    const report = await ReportFile.create(path);
    await report.append([{ line: 1 }, { line: 2 }]);
    expect(readFileSync(path, 'utf8')).to.equal('previous\n');
    await report.append([{ line: 3 }]);
    await report.commit();
    expect(readFileSync(path, 'utf8')).to.equal('{"line":1}\n{"line":2}\n{"line":3}\n');
    expect(readdirSync(dir)).to.deep.equal(['report.jsonl']);
  });

  it('leaves the previous report and no temporary file when discarded', async () => {
    const path = join(dir, 'report.jsonl');
    writeFileSync(path, 'previous\n');
    const report = await ReportFile.create(path);
    await report.append([{ line: 1 }]);
    await report.discard();
    expect(readFileSync(path, 'utf8')).to.equal('previous\n');
    expect(readdirSync(dir)).to.deep.equal(['report.jsonl']);
  });
});
