import 'reflect-metadata';
import { expect } from 'chai';
import { SecretRedactor } from '../../src/support/redaction.js';

const MASK = '[REDACTED]';

describe('SecretRedactor', () => {
  it('masks registered secrets anywhere in a text of 20 MB', () => {
    const redactor = new SecretRedactor();
    redactor.register('client-secret-b81e44d2aa', 'access-token-c0ffee-0001');
    const filler = 'lorem ipsum dolor '.repeat(20 * 1024 * 1024 / 18);
    const text = `client-secret-b81e44d2aa${filler}access-token-c0ffee-0001${filler}client-secret-b81e44d2aa`;
    const masked = redactor.redactText(text);
    expect(masked.length).to.equal(text.length - 3 * 24 + 3 * MASK.length);
    expect(masked.startsWith(`${MASK}lorem`)).to.equal(true);
    expect(masked.endsWith(`dolor ${MASK}`)).to.equal(true);
    expect(masked).not.to.contain('client-secret').and.not.to.contain('access-token');
  });

  it('masks a message with 20 000 secrets registered one by one, as many tenants would', () => {
    const redactor = new SecretRedactor();
    const secrets = Array.from({ length: 20_000 }, (_, i) => `tenant-${i}-secret-${(i * 7919).toString(36)}`);
    for (const secret of secrets) redactor.register(secret);
    const message = `refused ${secrets[0]} and ${secrets[9_999]}, then ${secrets[19_999]}.`;
    expect(redactor.redactText(message)).to.equal(`refused ${MASK} and ${MASK}, then ${MASK}.`);
    expect(redactor.redactText('nothing secret here')).to.equal('nothing secret here');
  });

  it('masks the longest of overlapping secrets, and leaves values shorter than 6 characters alone', () => {
    const redactor = new SecretRedactor();
    redactor.register('abcdef', 'abcdef-longer-secret', 'abc');
    expect(redactor.redactText('x abcdef-longer-secret y abcdef z abc')).to.equal(`x ${MASK} y ${MASK} z abc`);
  });

  it('takes secrets with regular-expression characters and a 40 000-character secret literally', () => {
    const redactor = new SecretRedactor();
    const long = 'S'.repeat(39_990) + '(.*)+[x]$';
    redactor.register('(a+)+$[', long, '\\d{3}.*');
    expect(redactor.redactText(`a (a+)+$[ b ${long} c \\d{3}.* d 123 e`)).to.equal(`a ${MASK} b ${MASK} c ${MASK} d 123 e`);
  });

  it('never throws, whatever it is given', () => {
    const redactor = new SecretRedactor();
    redactor.register('client-secret-b81e44d2aa', undefined, 42 as never, { toString: () => { throw new Error('boom'); } } as never);
    const hostile: unknown[] = [
      undefined,
      null,
      42,
      Symbol('s'),
      10n,
      '\ud800 lone surrogate client-secret-b81e44d2aa',
      Object.defineProperty({}, 'x', { enumerable: true, get: () => { throw new Error('getter'); } }),
      new Proxy({}, { ownKeys: () => { throw new Error('ownKeys'); } }),
      Object.freeze(Object.assign(new Error('frozen client-secret-b81e44d2aa'), { detail: 'client-secret-b81e44d2aa' })),
    ];
    const cyclic: Record<string, unknown> = { secret: 'client-secret-b81e44d2aa' };
    cyclic.self = cyclic;
    hostile.push(cyclic);
    for (const value of hostile) {
      expect(() => redactor.redactText(value as string)).not.to.throw();
      expect(() => redactor.redact(value)).not.to.throw();
      expect(() => redactor.scrubError(value)).not.to.throw();
    }
    expect(redactor.redactText(hostile[5] as string)).to.equal(`\ud800 lone surrogate ${MASK}`);
    expect(JSON.stringify(redactor.redact(cyclic), (k, v: unknown) => (k === 'self' ? undefined : v))).to.equal(`{"secret":"${MASK}"}`);
  });

  it('keeps keys such as __proto__ and constructor as own keys of its copies, never as their prototype', () => {
    const redactor = new SecretRedactor();
    redactor.register('client-secret-b81e44d2aa');
    const state = JSON.parse('{"lists":{"__proto__":{"listId":1},"constructor":{"listId":2}},"note":"client-secret-b81e44d2aa"}') as { lists: object };
    const copy = redactor.redact(state);
    expect(JSON.stringify(copy)).to.equal(`{"lists":{"__proto__":{"listId":1},"constructor":{"listId":2}},"note":"${MASK}"}`);
    expect(Object.getPrototypeOf(copy.lists)).to.equal(Object.prototype);
  });
});
