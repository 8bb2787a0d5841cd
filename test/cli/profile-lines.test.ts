import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseProfileLine, readInputLines } from '../../src/cli/profile-lines.js';

describe('NDJSON input lines', () => {
  it('numbers the non-blank lines of the file, dropping a byte order mark and CR of CRLF endings', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mkto-lines-'));
    const file = join(dir, 'p.ndjson');
    writeFileSync(file, '\uFEFF{"a":1}\r\n\r\n  \r\n{"b":2}\r\n');
    const lines = [];
    for await (const line of readInputLines(file)) lines.push(line);
    rmSync(dir, { recursive: true, force: true });
    expect(lines).to.deep.equal([{ line: 1, text: '{"a":1}' }, { line: 4, text: '{"b":2}' }]);
  });

  it('makes every line that is not a JSON object a problem of its own, never quoting the line', () => {
    expect(parseProfileLine({ line: 3, text: '{"recordId":"r"}' })).to.deep.equal({ line: 3, profile: { recordId: 'r' } });
    const problems = Object.fromEntries(
      ['null', '[1]', '42', '"ann@example.com"', 'true', '{"email":"ann@example.com"', 'ann@example.com'].map((text) => {
        const parsed = parseProfileLine({ line: 7, text });
        return [text, 'problem' in parsed ? parsed.problem : 'parsed'];
      }),
    );
    expect(problems).to.deep.equal({
      null: 'Line 7 is not a profile event: expected a JSON object, got null.',
      '[1]': 'Line 7 is not a profile event: expected a JSON object, got an array.',
      '42': 'Line 7 is not a profile event: expected a JSON object, got a number.',
      '"ann@example.com"': 'Line 7 is not a profile event: expected a JSON object, got a string.',
      true: 'Line 7 is not a profile event: expected a JSON object, got a boolean.',
      '{"email":"ann@example.com"': 'Line 7 is not valid JSON (error at character 27).',
      'ann@example.com': 'Line 7 is not valid JSON.',
    });
  });
});
