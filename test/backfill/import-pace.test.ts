import { expect } from 'chai';
import { ImportPace } from '../../src/backfill/import-pace.js';
import { virtualTime } from '../support/marketo.js';

describe('ImportPace', () => {
  it('polls the first job at the interval, then first looks at a job near the end its rows predict', () => {
    const { clock, now } = virtualTime();
    const pace = new ImportPace(now);
    expect(pace.firstWaitMs(1_000, 5_000)).to.equal(5_000);
    const submitted = pace.submittedAt();
    clock.advance(20_000); // 1 000 rows in 20 s
    pace.finished(submitted, 1_000);
    expect(pace.firstWaitMs(2_000, 5_000)).to.equal(32_000); // 80 % of the 40 s predicted
    expect(pace.firstWaitMs(100, 5_000), 'never before the interval').to.equal(5_000);
  });

  it('follows the jobs as they speed up or slow down, and ignores a job without rows', () => {
    const { clock, now } = virtualTime();
    const pace = new ImportPace(now);
    for (const seconds of [20, 10]) {
      const submitted = pace.submittedAt();
      clock.advance(seconds * 1_000);
      pace.finished(submitted, 1_000);
    }
    // Smoothed: (20 ms + 10 ms) ÷ 2 a row.
    expect(pace.firstWaitMs(1_000, 1_000)).to.equal(12_000);
    pace.finished(pace.submittedAt(), 0);
    expect(pace.firstWaitMs(1_000, 1_000)).to.equal(12_000);
  });
});
