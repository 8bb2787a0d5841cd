import { expect } from 'chai';
import { StateUnavailableError } from '../../src/errors.js';
import { createLocalState } from '../../src/state/local/local-state.js';
import { RedisState } from '../../src/state/redis/redis-state.js';
import type { BudgetSettings, SharedState } from '../../src/state/shared-state.js';
import { deleteKeys, describeWithRedis, REDIS_URL, RedisRelay, uniquePrefix } from '../support/redis.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const INSTANCE = '123-ABC-456';

interface Sharers {
  /** One more process (or plugin instance) sharing the same state. */
  join(options?: { url?: string; lockTtlMs?: number }): SharedState;
  done(): Promise<void>;
}

function localSharers(): Sharers {
  const state = createLocalState();
  return { join: () => state.view(Date.now, realSleep), done: async () => {} };
}

function redisSharers(): Sharers {
  const prefix = uniquePrefix();
  const joined: SharedState[] = [];
  return {
    join: (options = {}) => {
      const state = new RedisState({ url: options.url ?? REDIS_URL, keyPrefix: prefix, lockTtlMs: options.lockTtlMs ?? 1_000 }, Date.now, realSleep, silent);
      joined.push(state);
      return state;
    },
    done: async () => {
      await Promise.all(joined.map((s) => s.close()));
      await deleteKeys(prefix);
    },
  };
}

/** The contract every implementation of SharedState keeps, on real time with small windows. */
function sharedStateContract(makeSharers: () => Sharers): void {
  let sharers: Sharers;
  beforeEach(() => (sharers = makeSharers()));
  afterEach(() => sharers.done());

  it('keeps everyone sharing a budget within its window and its concurrency', async () => {
    const settings: BudgetSettings = { callsPerWindow: 10, windowMs: 400, maxConcurrent: 3, dailyQuota: 1000 };
    const calls: Array<{ start: number; end: number }> = [];
    await Promise.all(
      [0, 1, 2].map(async () => {
        const budget = sharers.join().budget(INSTANCE, settings);
        await Promise.all(
          Array.from({ length: 8 }, async () => {
            const lease = await budget.acquire();
            const start = Date.now();
            await realSleep(15);
            calls.push({ start, end: Date.now() });
            lease.release(true);
          }),
        );
      }),
    );
    expect(calls).to.have.length(24);
    for (const call of calls) {
      const running = calls.filter((c) => c.start <= call.start && c.end > call.start).length;
      expect(running, 'calls in flight at once').to.be.at.most(3);
      // A call counts from its start until a full window after its answer.
      const inWindow = calls.filter((c) => c.start <= call.start && c.end + settings.windowMs > call.start).length;
      expect(inWindow, 'calls in one window').to.be.at.most(10);
    }
  });

  it('shares one daily count, and gives back what Marketo did not count', async () => {
    const settings: BudgetSettings = { callsPerWindow: 100, windowMs: 1000, maxConcurrent: 5, dailyQuota: 5 };
    const a = sharers.join().budget(INSTANCE, settings);
    const b = sharers.join().budget(INSTANCE, settings);
    for (let i = 0; i < 4; i++) (await a.acquire()).release(false);
    for (let i = 0; i < 3; i++) (await a.acquire()).release(true);
    for (let i = 0; i < 2; i++) (await b.acquire()).release(true);
    await realSleep(20); // releases reach Redis asynchronously
    expect(await a.acquire().catch((e: unknown) => e)).to.include({ marketoCode: '607', local: true });
    expect(await b.acquire().catch((e: unknown) => e)).to.include({ marketoCode: '607', local: true });
  });

  it('holds every sharer back after a 606 pause, and stops every sharer after a 607', async () => {
    const settings: BudgetSettings = { callsPerWindow: 100, windowMs: 1000, maxConcurrent: 5, dailyQuota: 1000 };
    const a = sharers.join().budget(INSTANCE, settings);
    const b = sharers.join().budget(INSTANCE, settings);
    await a.pause(300);
    const before = Date.now();
    (await b.acquire()).release(true);
    expect(Date.now() - before).to.be.at.least(250);
    await a.stopUntil(Date.now() + 60_000);
    expect(await b.acquire().catch((e: unknown) => e)).to.include({ marketoCode: '607', local: true });
  });

  it('lets a writer take the free locks at once and tells it which are busy; a release wakes the waiter', async () => {
    const a = sharers.join().writeLocks;
    const b = sharers.join().writeLocks;
    const first = await a.tryAcquire(['k|email|x', 'k|email|y']);
    expect(first.busy).to.deep.equal([]);
    const second = await b.tryAcquire(['k|email|y', 'k|email|z']);
    expect(second.busy).to.deep.equal(['k|email|y']);
    expect(await b.waitForRelease(['k|email|y'], 20), 'a wait that saw no release').to.equal(false);
    let woken = false;
    const waiting = b.waitForRelease(['k|email|y'], 5_000).then((released) => (woken = released));
    await realSleep(30);
    expect(woken).to.equal(false);
    await first.lease.release();
    expect(await waiting, 'a wait ended by a release').to.equal(true);
    const third = await b.tryAcquire(['k|email|y']);
    expect(third.busy).to.deep.equal([]);
    await Promise.all([second.lease.release(), third.lease.release()]);
  });

  it('makes one token fetch serve every sharer asking at once, and fetches again after invalidation', async () => {
    let fetches = 0;
    const fetch = async () => {
      fetches++;
      await realSleep(50);
      return { value: `token-${fetches}`, usableForMs: 60_000 };
    };
    const tokens = await Promise.all(Array.from({ length: 6 }, (_, i) => sharers.join().tokens.get(`${INSTANCE}|user`, fetch).then((t) => [i, t])));
    expect(new Set(tokens.map(([, t]) => t))).to.deep.equal(new Set(['token-1']));
    expect(fetches).to.equal(1);
    const one = sharers.join().tokens;
    await one.invalidate(`${INSTANCE}|user`, 'token-0'); // not the current one: ignored
    expect(await one.get(`${INSTANCE}|user`, fetch)).to.equal('token-1');
    await one.invalidate(`${INSTANCE}|user`, 'token-1');
    expect(await one.get(`${INSTANCE}|user`, fetch)).to.equal('token-2');
  });
}

describe('shared state in process memory', () => sharedStateContract(localSharers));

describeWithRedis('shared state in Redis', () => {
  sharedStateContract(redisSharers);

  describe('leases and outages', () => {
    let sharers: Sharers;
    let relay: RedisRelay;
    beforeEach(async () => {
      sharers = redisSharers();
      relay = new RedisRelay();
    });
    afterEach(async () => {
      await relay.stop();
      await sharers.done();
    });

    it('frees the call slots and locks of a worker that died within lockTtlMs', async () => {
      const settings: BudgetSettings = { callsPerWindow: 100, windowMs: 200, maxConcurrent: 2, dailyQuota: 1000 };
      const doomed = sharers.join({ url: await relay.start(), lockTtlMs: 1_000 });
      const survivor = sharers.join({ lockTtlMs: 1_000 });
      await doomed.budget(INSTANCE, settings).acquire();
      await doomed.budget(INSTANCE, settings).acquire();
      await doomed.writeLocks.tryAcquire(['k|email|held']);
      await relay.cut(); // the worker is gone: nothing renews or releases what it held
      const diedAt = Date.now();
      const lease = await survivor.budget(INSTANCE, settings).acquire();
      expect(Date.now() - diedAt).to.be.within(500, 1_600);
      lease.release(true);
      for (;;) {
        const { lease: lock, busy } = await survivor.writeLocks.tryAcquire(['k|email|held']);
        await lock.release();
        if (busy.length === 0) break;
        await survivor.writeLocks.waitForRelease(busy, 200);
      }
      expect(Date.now() - diedAt).to.be.below(1_600);
    });

    it('renews the slot of a live call that lasts longer than lockTtlMs', async () => {
      const settings: BudgetSettings = { callsPerWindow: 100, windowMs: 200, maxConcurrent: 1, dailyQuota: 1000 };
      const a = sharers.join({ lockTtlMs: 1_000 }).budget(INSTANCE, settings);
      const b = sharers.join({ lockTtlMs: 1_000 }).budget(INSTANCE, settings);
      const long = await a.acquire();
      let second = false;
      const waiting = b.acquire().then((lease) => {
        second = true;
        return lease;
      });
      await realSleep(2_500);
      expect(second, 'the slot is still held after 2.5 lifetimes').to.equal(false);
      long.release(true);
      (await waiting).release(true);
    });

    it('answers StateUnavailableError while Redis is away, and works again once it is back', async () => {
      const state = sharers.join({ url: await relay.start() });
      const settings: BudgetSettings = { callsPerWindow: 100, windowMs: 200, maxConcurrent: 5, dailyQuota: 1000 };
      (await state.budget(INSTANCE, settings).acquire()).release(true);
      await relay.cut();
      const started = Date.now();
      const error = await state.budget(INSTANCE, settings).acquire().catch((e: unknown) => e);
      expect(error).to.be.instanceOf(StateUnavailableError);
      expect(error).to.have.property('name', 'StateUnavailableError');
      expect(Date.now() - started).to.be.below(5_500);
      expect(await state.writeLocks.tryAcquire(['k|email|a']).catch((e: unknown) => e)).to.be.instanceOf(StateUnavailableError);
      await relay.restore();
      for (let i = 0; ; i++) {
        const lease = await state.budget(INSTANCE, settings).acquire().catch(() => undefined);
        if (lease) {
          lease.release(true);
          break;
        }
        if (i > 50) throw new Error('the state never came back');
        await realSleep(100);
      }
    });
  });
});
