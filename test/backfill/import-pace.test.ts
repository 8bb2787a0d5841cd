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
    expect(pace.firstWaitMs(1_500, 5_000)).to.equal(24_000); // 80 % of the 30 s predicted
    expect(pace.firstWaitMs(100, 5_000), 'never before the interval').to.equal(5_000);
    expect(pace.firstWaitMs(30_000, 5_000), 'never after six intervals').to.equal(30_000);
  });

  it('goes by the fastest job, so that one held up in the queue does not delay the next ones, and ignores a job without rows', () => {
    const { clock, now } = virtualTime();
    const pace = new ImportPace(now);
    for (const seconds of [10, 60, 20]) {
      const submitted = pace.submittedAt();
      clock.advance(seconds * 1_000);
      pace.finished(submitted, 1_000);
    }
    expect(pace.firstWaitMs(1_000, 1_000)).to.equal(6_000); // 80 % of 1 000 rows at 10 ms
    pace.finished(pace.submittedAt(), 0);
    expect(pace.firstWaitMs(1_000, 1_000)).to.equal(6_000);
  });
});
