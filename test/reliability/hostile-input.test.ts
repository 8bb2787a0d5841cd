import { expect } from 'chai';
import nock from 'nock';
import { checkFieldValue } from '../../src/delivery/field-values.js';
import { InvalidRequestError } from '../../src/index.js';
import type { ProfileEvent } from '../../src/types.js';
import { lead, lookupQuery, profile, session } from '../support/delivery.js';
import { envelope, marketo } from '../support/marketo.js';

describe('field values are checked against describe2 before sending', () => {
  const cases: Array<[string, string, unknown, unknown]> = [
    ['integer from numeric text', 'integer', ' 42 ', 42],
    ['integer refuses a fraction', 'integer', 4.2, 'problem'],
    ['integer refuses text', 'integer', 'forty', 'problem'],
    ['integer refuses unsafe numbers', 'integer', '99999999999999999999', 'problem'],
    ['float from numeric text', 'float', '3.5', 3.5],
    ['boolean from text', 'boolean', 'false', false],
    ['boolean from 1', 'boolean', 1, true],
    ['boolean refuses yes', 'boolean', 'yes', 'problem'],
    ['date as ISO date', 'date', '2026-02-28', '2026-02-28'],
    ['date refuses an impossible day', 'date', '2026-02-30', 'problem'],
    ['datetime normalised to UTC', 'datetime', '2026-11-20T10:00:00+01:00', '2026-11-20T09:00:00Z'],
    ['datetime refuses no time zone', 'datetime', '2026-11-20T10:00:00', 'problem'],
    ['string from a number', 'string', 12, '12'],
    ['email trimmed', 'email', ' ann@example.com ', 'ann@example.com'],
    ['email refuses non-ASCII', 'email', 'zoë@exämple.com', 'problem'],
    ['email refuses garbage', 'email', 'not an email', 'problem'],
    ['string refuses control characters', 'string', 'Ann\u0000Lee', 'problem'],
    ['string keeps tabs and newlines', 'string', 'line 1\nline\t2', 'line 1\nline\t2'],
  ];
  for (const [name, dataType, input, expected] of cases) {
    it(name, () => {
      const checked = checkFieldValue({ field: 'f', dataType, length: 255 }, input as string);
      if (expected === 'problem') expect(checked).to.have.property('problem').that.contains('"f"');
      else expect(checked).to.deep.equal({ value: expected });
    });
  }

  it('refuses text longer than the field allows', () => {
    expect(checkFieldValue({ field: 'lastName', dataType: 'string', length: 255 }, 'x'.repeat(256))).to.deep.equal({
      problem: 'The value for the Marketo field "lastName" is too long: 256 characters where Marketo allows 255.',
    });
    expect(checkFieldValue({ field: 'notes', dataType: 'text' }, 'x'.repeat(70_000))).to.have.property('problem');
  });
});

describe('hostile profiles are handled one record at a time', () => {
  it('rejects bad values per record, never pollutes prototypes, and delivers the rest', async () => {
    const { plugin, activationId } = await session({ syncType: 'profile_only' });
    const polluted = JSON.parse('{"recordId":"r-proto","identityMap":{"Email":[{"id":"proto@example.com"}]},"attributes":{"__proto__":{"polluted":true},"person":{"name":{"firstName":"P","lastName":"Q","constructor":{"prototype":{"x":1}}}}}}') as ProfileEvent;
    const huge = profile('r-huge', 'huge@example.com', { first: 'x'.repeat(1_000_000) });
    const control = profile('r-ctrl', 'ctrl@example.com', { first: 'A\u0007B' });
    const unicode = profile('r-utf', 'zoë@exämple.com');
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 2000; i++) deep = { nested: deep };
    const nested = { ...profile('r-deep', 'deep@example.com'), attributes: { ...profile('x', 'x@example.com').attributes, deep } } as ProfileEvent;
    const wrongTypes = { recordId: 'r-types', identityMap: { Email: 'ann@example.com' }, attributes: [] } as unknown as ProfileEvent;
    const numberId = { ...profile('r-num', 'num@example.com'), recordId: 7 } as unknown as ProfileEvent;
    const api = marketo()
      .get('/rest/v1/leads.json')
      .query(lookupQuery(['proto@example.com', 'deep@example.com']))
      .reply(200, envelope([lead(50, 'proto@example.com'), lead(51, 'deep@example.com')]))
      .post('/rest/v1/leads.json', { action: 'updateOnly', lookupField: 'id', input: [{ id: 50, firstName: 'P', lastName: 'Q' }, { id: 51, firstName: 'X', lastName: 'Lee' }] })
      .reply(200, envelope([{ id: 50, status: 'updated' }, { id: 51, status: 'updated' }]));
    const report = await plugin.deliver({ activationId, profiles: [polluted, huge, control, unicode, nested, wrongTypes, numberId] });
    api.done();
    expect(report.results.map((r) => [r.recordId, r.outcome, r.reason?.code])).to.deep.equal([
      ['r-proto', 'delivered', undefined],
      ['r-huge', 'rejected', 'INVALID_PROFILE'],
      ['r-ctrl', 'rejected', 'INVALID_PROFILE'],
      ['r-utf', 'rejected', 'INVALID_PROFILE'],
      ['r-deep', 'delivered', undefined],
      ['r-types', 'rejected', 'INVALID_PROFILE'],
      ['#6', 'rejected', 'INVALID_PROFILE'],
    ]);
    expect(report.results[1]!.reason!.message).to.contain('too long: 1000000 characters');
    expect(report.results[3]!.reason!.message).to.contain('plain ASCII');
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
    expect(Object.prototype).not.to.have.property('x');
  });

  it('refuses a malformed request envelope with a clear caller error and no call to Marketo', async () => {
    const { plugin, activationId } = await session({ syncType: 'profile_only' });
    for (const request of [undefined, 'x', { activationId, profiles: 'x' }, { activationId, profiles: { length: 1 } }, { activationId: 42, profiles: [] }]) {
      const error = await plugin.deliver(request as never).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(InvalidRequestError);
      expect((error as Error).message).to.match(/deliver\(\)|activation/);
    }
    expect(nock.pendingMocks()).to.deep.equal([]);
  });

});
