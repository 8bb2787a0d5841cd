import { expect } from 'chai';
import { fieldDigest } from '../../src/state/lead-cache.js';
import { LocalLeadCache } from '../../src/state/local/local-lead-cache.js';
import { cyrb53 } from '../../src/support/fast-hash.js';
import { virtualTime } from '../support/marketo.js';

describe('LocalLeadCache', () => {
  const entry = (i: number) => ({ key: `123-ABC-456|email|person${i}@example.com`, leadId: 1000 + i, fields: new Map([['firstName', fieldDigest(`F${i}`)]]) });

  it('keeps at most maxEntries, the most recently used, and forgets the oldest first', async () => {
    const { now } = virtualTime();
    const cache = new LocalLeadCache({ maxEntries: 1000, ttlMs: 60_000 }, now);
    for (let i = 0; i < 2500; i++) {
      await cache.record([entry(i)]);
      expect(cache.size).to.equal(Math.min(i + 1, 1000));
    }
    const newest = await cache.read(Array.from({ length: 1000 }, (_, i) => entry(1500 + i).key));
    const oldest = await cache.read(Array.from({ length: 1500 }, (_, i) => entry(i).key));
    expect(newest.size).to.equal(1000);
    expect(oldest.size).to.equal(0);
  });

  it('evicts in exact least-recently-used order: a read or a write makes an entry the newest', async () => {
    const { now } = virtualTime();
    const cache = new LocalLeadCache({ maxEntries: 4, ttlMs: 60_000 }, now);
    for (let i = 0; i < 4; i++) await cache.record([entry(i)]);
    await cache.read([entry(0).key]); // 1 is now the oldest
    await cache.record([entry(4)]); // evicts 1
    await cache.record([entry(2)]); // 3 is now the oldest
    await cache.record([entry(5)]); // evicts 3
    await cache.record([entry(6)]); // evicts 0
    const kept = await cache.read(Array.from({ length: 7 }, (_, i) => entry(i).key));
    expect([...kept.keys()]).to.deep.equal([2, 4, 5, 6].map((i) => entry(i).key));
    expect(cache.size).to.equal(4);
  });

  it('keeps an entry that is read often, however many others are written', async () => {
    const { now } = virtualTime();
    const cache = new LocalLeadCache({ maxEntries: 100, ttlMs: 60_000 }, now);
    await cache.record([entry(0)]);
    for (let i = 1; i < 1000; i++) {
      await cache.record([entry(i)]);
      if (i % 20 === 0) expect((await cache.read([entry(0).key])).size, `still there after ${i}`).to.equal(1);
    }
  });

  it('round-trips an entry exactly, and merges later writes for the same lead', async () => {
    const { now } = virtualTime();
    const cache = new LocalLeadCache({ maxEntries: 10, ttlMs: 60_000 }, now);
    await cache.record([{ key: 'k', leadId: 7, fields: new Map([['firstName', fieldDigest('Ann')]]), lists: new Map([[1001, 'add' as const]]) }]);
    await cache.record([{ key: 'k', leadId: 7, fields: new Map([['lastName', fieldDigest('Lee')]]), lists: new Map([[1002, 'remove' as const]]) }]);
    const read = (await cache.read(['k'])).get('k')!;
    expect(read.leadId).to.equal(7);
    expect(read.fields).to.deep.equal(new Map([['firstName', fieldDigest('Ann')], ['lastName', fieldDigest('Lee')]]));
    expect(read.lists).to.deep.equal(new Map([[1001, 'add'], [1002, 'remove']]));
    // Another lead for the same value: what was known of the old one says nothing of the new one.
    await cache.record([{ key: 'k', leadId: 8, fields: new Map([['email', fieldDigest('a@b.c')]]) }]);
    expect((await cache.read(['k'])).get('k')).to.deep.include({ leadId: 8, fields: new Map([['email', fieldDigest('a@b.c')]]), lists: new Map() });
  });

  it('forgets an entry once it is older than ttlMs', async () => {
    const { clock, now } = virtualTime();
    const cache = new LocalLeadCache({ maxEntries: 10, ttlMs: 60_000 }, now);
    await cache.record([entry(1)]);
    clock.advance(59_000);
    expect((await cache.read([entry(1).key])).size).to.equal(1);
    clock.advance(2_000);
    expect((await cache.read([entry(1).key])).size).to.equal(0);
  });

  it('numbers hundreds of fields and lists without confusing them', async () => {
    const { now } = virtualTime();
    const cache = new LocalLeadCache({ maxEntries: 10, ttlMs: 60_000 }, now);
    const fields = new Map(Array.from({ length: 150 }, (_, i) => [`field${i}`, fieldDigest(i)]));
    const lists = new Map(Array.from({ length: 150 }, (_, i) => [5000 + i, (i % 2 ? 'add' : 'remove') as 'add' | 'remove']));
    await cache.record([{ key: 'k', leadId: 1, fields, lists }]);
    const read = (await cache.read(['k'])).get('k')!;
    expect(read.fields).to.deep.equal(fields);
    expect(read.lists).to.deep.equal(lists);
  });

  it('keeps two keys that share a slot apart: each answers for its own lead, never the other', async () => {
    // Two keys whose 32-bit slots collide (found by search: about 80 000 keys hold one such pair).
    const seen = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; !pair; i++) {
      const key = `123-ABC-456|email|person${i}@example.com`;
      const slot = cyrb53(key, 1) | 0;
      const other = seen.get(slot);
      if (other !== undefined) pair = [other, key];
      else seen.set(slot, key);
    }
    const [first, second] = pair;
    const { now } = virtualTime();
    const cache = new LocalLeadCache({ maxEntries: 10, ttlMs: 60_000 }, now);
    await cache.record([{ key: first, leadId: 1, fields: new Map([['firstName', fieldDigest('Ann')]]) }]);
    await cache.record([{ key: second, leadId: 2, fields: new Map([['firstName', fieldDigest('Bob')]]) }]);
    const both = await cache.read([first, second]);
    expect(both.get(first)).to.deep.include({ leadId: 1, fields: new Map([['firstName', fieldDigest('Ann')]]) });
    expect(both.get(second)).to.deep.include({ leadId: 2, fields: new Map([['firstName', fieldDigest('Bob')]]) });
    await cache.forget([first]);
    expect([...(await cache.read([first, second])).keys()], 'forgetting one key leaves the other').to.deep.equal([second]);
  });
});
