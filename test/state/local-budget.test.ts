import { expect } from 'chai';
import { LocalInstanceBudget } from '../../src/state/local/local-budget.js';
import { createLocalState } from '../../src/state/local/local-state.js';
import { virtualTime } from '../support/marketo.js';

const settings = { callsPerWindow: 3, windowMs: 1000, maxConcurrent: 2, dailyQuota: 5 };

describe('LocalInstanceBudget', () => {
  it('spends the window evenly after a small burst, and never more than the window allows', async () => {
    const { clock, now, sleep } = virtualTime();
    const budget = new LocalInstanceBudget({ callsPerWindow: 20, windowMs: 1000, maxConcurrent: 10, dailyQuota: 100 }, now, sleep);
    const startedAt: number[] = [];
    for (let i = 0; i < 24; i++) {
      const lease = await budget.acquire();
      startedAt.push(clock.ms);
      lease.release(true); // answered at once
    }
    const offsets = startedAt.map((t) => t - startedAt[0]!);
    // A burst of 2 (a tenth of the window), then one call every 50 ms (1000 ms / 20 calls)…
    expect(offsets.slice(0, 6)).to.deep.equal([0, 0, 50, 100, 150, 200]);
    // …until the window is full: the 21st call waits until the 1st has been answered a full window ago.
    expect(offsets[20]).to.equal(1000);
    for (let i = 20; i < offsets.length; i++) {
      expect(startedAt.filter((t) => t > startedAt[i]! - 1000 && t <= startedAt[i]!)).to.have.length.at.most(20);
    }
  });

  it('keeps a call in the window until a full window after its answer', async () => {
    const { clock, now, sleep } = virtualTime();
    const budget = new LocalInstanceBudget({ ...settings, dailyQuota: 100 }, now, sleep);
    const startedAt: number[] = [];
    for (let i = 0; i < 4; i++) {
      const lease = await budget.acquire();
      startedAt.push(clock.ms);
      clock.advance(10); // the answer takes 10 ms
      lease.release(true);
    }
    expect(startedAt.map((t) => t - startedAt[0]!)).to.deep.equal([0, 334, 668, 1010]);
  });

  it('lets at most maxConcurrent calls run at once', async () => {
    const { now, sleep } = virtualTime();
    const budget = new LocalInstanceBudget({ ...settings, callsPerWindow: 100, dailyQuota: 100 }, now, sleep);
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        const lease = await budget.acquire();
        peak = Math.max(peak, ++running);
        await Promise.resolve();
        running--;
        lease.release(true);
      }),
    );
    expect(peak).to.equal(2);
  });

  it('serves waiting callers in the order they came', async () => {
    const { now, sleep } = virtualTime();
    const budget = new LocalInstanceBudget({ ...settings, callsPerWindow: 100, dailyQuota: 100, maxConcurrent: 1 }, now, sleep);
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 5 }, async (_, i) => {
        const lease = await budget.acquire();
        order.push(i);
        await Promise.resolve();
        lease.release(true);
      }),
    );
    expect(order).to.deep.equal([0, 1, 2, 3, 4]);
  });

  it('refuses calls once the daily quota is spent, until midnight US Central', async () => {
    const { clock, now, sleep } = virtualTime(Date.parse('2026-11-20T15:00:00Z'));
    const budget = new LocalInstanceBudget({ ...settings, callsPerWindow: 100 }, now, sleep);
    for (let i = 0; i < 5; i++) (await budget.acquire()).release(true);
    const refused = await budget.acquire().catch((e: unknown) => e);
    expect(refused).to.include({ marketoCode: '607', local: true });
    clock.ms = Date.parse('2026-11-21T06:00:00Z');
    (await budget.acquire()).release(true);
  });

  it('gives back the window place and the daily count of calls Marketo does not count', async () => {
    const { now, sleep } = virtualTime(Date.parse('2026-11-20T15:00:00Z'));
    const budget = new LocalInstanceBudget({ ...settings, callsPerWindow: 100 }, now, sleep);
    for (let i = 0; i < 20; i++) (await budget.acquire()).release(false); // e.g. 602 or 604 answers
    for (let i = 0; i < 5; i++) (await budget.acquire()).release(true);
    expect(await budget.acquire().catch((e: unknown) => e)).to.include({ marketoCode: '607' });
  });

  it('holds every caller back while paused after a 606, and stops them until the reset after a 607', async () => {
    const { clock, now, sleep } = virtualTime(Date.parse('2026-11-20T15:00:00Z'));
    const budget = new LocalInstanceBudget({ ...settings, callsPerWindow: 100, dailyQuota: 100 }, now, sleep);
    await budget.pause(5000);
    const start = clock.ms;
    (await budget.acquire()).release(true);
    expect(clock.ms - start).to.equal(5000);
    await budget.stopUntil(clock.ms + 60_000);
    expect(await budget.acquire().catch((e: unknown) => e)).to.include({ marketoCode: '607', local: true });
    clock.advance(60_000);
    (await budget.acquire()).release(true);
  });

  it('is one budget per Marketo instance for every plugin sharing a state, with the stricter limits', async () => {
    const { now, sleep } = virtualTime();
    const state = createLocalState();
    const a = state.view(now, sleep).budget('123-ABC-456', { ...settings, dailyQuota: 100 });
    const b = state.view(now, sleep).budget('123-ABC-456', { ...settings, maxConcurrent: 1, dailyQuota: 100 });
    const other = state.view(now, sleep).budget('987-XYZ-654', settings);
    expect(a).to.equal(b);
    expect(other).not.to.equal(a);
    const first = await a.acquire();
    let second = false;
    const pending = b.acquire().then((lease) => {
      second = true;
      return lease;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(second, 'the stricter maxConcurrent of 1 holds the second call').to.equal(false);
    first.release(true);
    (await pending).release(true);
  });
});
