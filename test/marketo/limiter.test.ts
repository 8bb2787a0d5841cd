import { expect } from 'chai';
import { InstanceLimiter, limiterFor } from '../../src/marketo/limiter.js';
import { virtualTime } from '../support/marketo.js';

const settings = { callsPerWindow: 3, windowMs: 1000, maxConcurrent: 2, dailyQuota: 5 };

describe('InstanceLimiter', () => {
  it('holds calls back until the sliding window has room', async () => {
    const { clock, now, sleep } = virtualTime();
    const limiter = new InstanceLimiter('123-ABC-456', settings, now, sleep);
    const startedAt: number[] = [];
    for (let i = 0; i < 4; i++) {
      const slot = await limiter.acquire();
      startedAt.push(clock.ms);
      clock.advance(10); // the answer takes 10 ms
      limiter.release(slot);
    }
    // A call leaves the window a full window after its answer (10 ms after its send), not after its send.
    expect(startedAt.map((t) => t - startedAt[0]!)).to.deep.equal([0, 10, 20, 1010]);
  });

  it('lets at most maxConcurrent calls run at once', async () => {
    const { now, sleep } = virtualTime();
    const limiter = new InstanceLimiter('123-ABC-456', { ...settings, callsPerWindow: 100, dailyQuota: 100 }, now, sleep);
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        const slot = await limiter.acquire();
        peak = Math.max(peak, ++running);
        await Promise.resolve();
        running--;
        limiter.release(slot);
      }),
    );
    expect(peak).to.equal(2);
  });

  it('refuses calls once the daily quota is spent, until midnight US Central', async () => {
    const { clock, now, sleep } = virtualTime(Date.parse('2026-11-20T15:00:00Z'));
    const limiter = new InstanceLimiter('123-ABC-456', { ...settings, callsPerWindow: 100 }, now, sleep);
    for (let i = 0; i < 5; i++) limiter.release(await limiter.acquire());
    const refused = await limiter.acquire().catch((e: unknown) => e);
    expect(refused).to.include({ marketoCode: '607', local: true });
    clock.ms = Date.parse('2026-11-21T06:00:00Z');
    await limiter.acquire();
  });

  it('is shared by plugin instances on one Marketo instance and never crosses instances', () => {
    const { now, sleep } = virtualTime();
    const a = limiterFor('123-ABC-456', 'https://123-ABC-456.mktorest.com', settings, now, sleep);
    const b = limiterFor('123-ABC-456', 'https://123-ABC-456.mktorest.com', { ...settings, maxConcurrent: 1 }, now, sleep);
    const other = limiterFor('987-XYZ-654', 'https://987-XYZ-654.mktorest.com', settings, now, sleep);
    expect(a).to.equal(b);
    expect(other).not.to.equal(a);
  });
});
