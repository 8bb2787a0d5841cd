import { expect } from 'chai';
import { createCliLogger } from '../../src/cli/logger.js';

const NOW = Date.parse('2026-11-20T15:00:00Z');

describe('the CLI logger', () => {
  it('writes JSON lines with time, level and msg first, fields after, errors by name and message', () => {
    const lines: string[] = [];
    const logger = createCliLogger({ level: 'debug', format: 'json', write: (l) => lines.push(l), now: () => NOW });
    const error = Object.assign(new TypeError('bad'), { code: 'E_BAD' });
    logger.error('It broke', { error, msg: 'not the message', count: 2n });
    expect(lines).to.have.length(1);
    expect(JSON.parse(lines[0]!)).to.deep.equal({ time: '2026-11-20T15:00:00.000Z', level: 'error', msg: 'It broke', error: { name: 'TypeError', message: 'bad', code: 'E_BAD' }, count: '2' });
  });

  it('writes text lines "time LEVEL msg key=value", quoting values with spaces, and drops lines below its level', () => {
    const lines: string[] = [];
    const logger = createCliLogger({ level: 'info', format: 'text', write: (l) => lines.push(l), now: () => NOW });
    logger.debug('hidden');
    logger.info('Sending', { operation: 'GET /rest/v1/leads.json', attempts: 2, munchkinId: '123-ABC-456', lists: [1, 2] });
    logger.warn('Slow');
    expect(lines).to.deep.equal([
      '2026-11-20T15:00:00.000Z INFO  Sending operation="GET /rest/v1/leads.json" attempts=2 munchkinId=123-ABC-456 lists=[1,2]',
      '2026-11-20T15:00:00.000Z WARN  Slow',
    ]);
  });
});
