import { expect } from 'chai';
import { OffHeapLru } from '../../src/state/local/off-heap-lru.js';

/** A seeded generator, so that a failure replays. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

interface ModelEntry {
  leadId: number;
  expiresAt: number;
  record: number[];
}

/**
 * The same operations on a plain Map (insertion order = recency) and on the table, compared
 * after each one. Few distinct slots make long probe runs, so deletions shift entries back
 * across runs and around the end of the index; records of random lengths fill and compact the
 * arena; the limit changes mid-way.
 */
function replay(seed: number, operations: number, slotsUsed: number, maxEntries: number): void {
  const rand = random(seed);
  const lru = new OffHeapLru(maxEntries);
  const model = new Map<string, ModelEntry>();
  let limit = maxEntries;
  const keyOf = (slot: number, check: number) => `${slot}:${check}`;
  const pick = () => {
    const slot = Math.floor(rand() * slotsUsed) - (slotsUsed >> 1); // negative slots too
    return { slot, check: Math.floor(rand() * 3) * 2 ** 40 + 7 };
  };
  for (let step = 0; step < operations; step++) {
    const { slot, check } = pick();
    const key = keyOf(slot, check);
    const roll = rand();
    const found = lru.find(slot, check);
    const known = model.get(key);
    expect(found >= 0, `step ${step}: presence of ${key}`).to.equal(known !== undefined);
    if (known && found >= 0) {
      expect(lru.leadId(found)).to.equal(known.leadId);
      expect(lru.expiresAt(found)).to.equal(known.expiresAt);
      expect([...lru.record(found)], `step ${step}: record of ${key}`).to.deep.equal(known.record);
    }
    if (roll < 0.55) {
      const record = Array.from({ length: Math.floor(rand() * 40) }, () => Math.floor(rand() * 256));
      const entry = { leadId: Math.floor(rand() * 2 ** 40), expiresAt: step * 1000, record };
      lru.put(slot, check, entry.leadId, entry.expiresAt, Uint8Array.from(record));
      model.delete(key);
      while (model.size >= Math.max(1, limit)) model.delete(model.keys().next().value!);
      model.set(key, entry);
    } else if (roll < 0.75) {
      if (found >= 0) {
        lru.touch(found);
        model.delete(key);
        model.set(key, known!);
      }
    } else if (roll < 0.95) {
      if (found >= 0) {
        lru.delete(found);
        model.delete(key);
      }
    } else if (roll < 0.96) {
      limit = 1 + Math.floor(rand() * maxEntries * 2);
      lru.setMaxEntries(limit);
    }
    expect(lru.size, `step ${step}: size`).to.equal(model.size);
  }
  // Every key the model holds is found with its own values; recency decides what goes next.
  for (const [key, entry] of model) {
    const [slot, check] = key.split(':').map(Number) as [number, number];
    const found = lru.find(slot, check);
    expect(found, key).to.be.at.least(0);
    expect([...lru.record(found)]).to.deep.equal(entry.record);
  }
}

describe('OffHeapLru', () => {
  it('behaves as a plain least-recently-used map under random writes, reads, deletions and limit changes', () => {
    replay(1, 20_000, 64, 40);
    replay(2, 20_000, 4_000, 1_500);
    replay(3, 5_000, 8, 3);
  });

  it('grows from a small start to the limit, keeping every entry', () => {
    const lru = new OffHeapLru(5_000);
    for (let i = 0; i < 5_000; i++) lru.put(i * 7919, i, i, 0, Uint8Array.of(i % 256, 1, 2));
    expect(lru.size).to.equal(5_000);
    for (let i = 0; i < 5_000; i++) {
      const entry = lru.find(i * 7919, i);
      expect(lru.leadId(entry)).to.equal(i);
      expect([...lru.record(entry)]).to.deep.equal([i % 256, 1, 2]);
    }
    // Full: the next write evicts the oldest, entry 0.
    lru.put(-1, -1, -1, 0, new Uint8Array(0));
    expect(lru.find(0, 0)).to.equal(-1);
    expect(lru.size).to.equal(5_000);
  });
});
