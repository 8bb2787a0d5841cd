import { expect } from 'chai';
import { ImportPace } from '../../src/backfill/import-pace.js';
import { virtualTime } from '../support/marketo.js';

describe('ImportPace', () => {
  it('polls the first job at the interval, then first looks at a job near the end its rows predict', () => {
    const { clock, now } = virtualTime();
    const pace = new ImportPace(now);
    expect(pace.firstWaitMs('fields', 1_000, 5_000)).to.equal(5_000);
    const submitted = pace.submittedAt();
    clock.advance(20_000); // 1 000 rows in 20 s
    pace.finished('fields', submitted, 1_000);
    expect(pace.firstWaitMs('fields', 1_500, 5_000)).to.equal(24_000); // 80 % of the 30 s predicted
    expect(pace.firstWaitMs('fields', 100, 5_000), 'never before the interval').to.equal(5_000);
    expect(pace.firstWaitMs('fields', 30_000, 5_000), 'never after six intervals').to.equal(30_000);
  });

  it('goes by the fastest job, so that one held up in the queue does not delay the next ones, and ignores a job without rows', () => {
    const { clock, now } = virtualTime();
    const pace = new ImportPace(now);
    for (const seconds of [10, 60, 20]) {
      const submitted = pace.submittedAt();
      clock.advance(seconds * 1_000);
      pace.finished('fields', submitted, 1_000);
    }
    expect(pace.firstWaitMs('fields', 1_000, 1_000)).to.equal(6_000); // 80 % of 1 000 rows at 10 ms
    pace.finished('fields', pace.submittedAt(), 0);
    expect(pace.firstWaitMs('fields', 1_000, 1_000)).to.equal(6_000);
  });

  it('learns each kind of file apart: a fast list file says nothing of a file of fields', () => {
    const { clock, now } = virtualTime();
    const pace = new ImportPace(now);
    const submitted = pace.submittedAt();
    clock.advance(1_000); // 1 000 list joins in 1 s
    pace.finished('list', submitted, 1_000);
    expect(pace.firstWaitMs('list', 5_000, 1_000)).to.equal(4_000);
    expect(pace.firstWaitMs('fields', 5_000, 1_000), 'nothing learnt yet for fields').to.equal(1_000);
  });
});
