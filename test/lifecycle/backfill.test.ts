import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { InvalidRequestError } from '../../src/index.js';
import { startSandbox } from '../../src/sandbox/server.js';
import type { BackfillProgress, ProfileEvent, RecordResult } from '../../src/types.js';
import { marketoState, mixedProfiles, person, sandboxSession, type SandboxSession } from '../support/sandbox-run.js';

/** SPEC §8.3: an audience's first load through Bulk Lead Import, matched exactly as deliver matches. */

const ROWS: Array<[string, Record<string, unknown>]> = [
  ['profile only + update and create', { syncType: 'profile_only', personAction: 'update_and_create' }],
  ['profile only + update only', { syncType: 'profile_only', personAction: 'update_only' }],
  ['audience only', { syncType: 'audience_only', personAction: undefined }],
  ['audience and profile + update and create', { syncType: 'audience_and_profile', personAction: 'update_and_create' }],
  ['audience and profile + update only', { syncType: 'audience_and_profile', personAction: 'update_only' }],
];

/** Known leads, duplicates, newcomers, a profile given twice and one who left. */
const PROFILES = [...mixedProfiles(14), { ...person(6), recordId: 'r-6-again' }];
/** Fast imports on the virtual clock; the plugin polls every second of it. */
const BULK = { rowsPerSecond: 200, queueDelayMs: 2_000 };

async function backfill(s: SandboxSession, profiles: Iterable<ProfileEvent> | AsyncIterable<ProfileEvent>) {
  const results: RecordResult[] = [];
  const progress: BackfillProgress[] = [];
  const report = await s.plugin.backfill({ activationId: s.activationId, profiles, onResult: (r) => results.push(r), onProgress: (p) => progress.push(p) });
  return { report, results, progress };
}

const session = (config: Record<string, unknown> = {}) => sandboxSession({ config, sandbox: { bulk: BULK }, plugin: { bulk: { pollIntervalMs: 1_000 } } });

describe('backfill: the same end state as deliver, on every row of the matching table', () => {
  for (const [row, config] of ROWS) {
    it(row, async () => {
      const [bulk, rest] = await Promise.all([session(config), session(config)]);
      try {
        const { report, results } = await backfill(bulk, PROFILES);
        const delivered = await rest.plugin.deliver({ activationId: rest.activationId, profiles: PROFILES });
        expect(marketoState(bulk.sandbox)).to.deep.equal(marketoState(rest.sandbox));
        // One result per input, with the outcome and actions deliver reports (new leads have no id yet).
        expect(results).to.have.length(PROFILES.length);
        const byId = new Map(results.map((r) => [r.recordId, r]));
        for (const expected of delivered.results) {
          const got = byId.get(expected.recordId)!;
          expect({ ...got, leadId: undefined }, expected.recordId).to.deep.equal({ ...expected, leadId: undefined });
          if (!got.actions.includes('created')) expect(got.leadId).to.equal(expected.leadId);
        }
        const { apiCalls: _bulkCalls, ...bulkCounts } = report.summary;
        const { apiCalls: _restCalls, ...restCounts } = delivered.summary;
        expect(bulkCounts).to.deep.equal(restCounts);
        expect(report.imports.every((i) => i.status === 'Complete' && i.failed === 0)).to.equal(true);
        // Writes went through imports: no Sync Leads, no list add by REST.
        expect(bulk.sandbox.stats.byOperation).not.to.have.any.keys('sync leads updateOnly', 'sync leads createOnly', 'list add');
      } finally {
        await Promise.all([bulk.close(), rest.close()]);
      }
    });
  }
});

describe('backfill: profiles in several audiences', () => {
  it('joins the first list on the way and the others by their own imports, new leads by the dedupe value', async () => {
    const audiences = [{ id: 'aud-a', name: 'Audience A' }, { id: 'aud-b', name: 'Audience B' }];
    const profile = (i: number, email: string, statuses: Record<string, 'realized' | 'exited'>): ProfileEvent => ({
      recordId: `m-${i}`,
      identityMap: { Email: [{ id: email }] },
      attributes: { first: `F${i}`, last: `L${i}`, score: i },
      segmentMembership: { ups: Object.fromEntries(Object.entries(statuses).map(([id, status]) => [id, { status }])) },
    });
    const profiles = [
      profile(1, 'ann.lee@example.com', { 'aud-a': 'realized', 'aud-b': 'realized' }),
      profile(2, 'brand.new@example.com', { 'aud-a': 'realized', 'aud-b': 'realized' }),
      profile(3, 'raj.patel@example.com', { 'aud-a': 'exited', 'aud-b': 'realized' }),
      profile(4, 'another.new@example.com', { 'aud-b': 'realized' }),
    ];
    const states = [];
    for (const mode of ['backfill', 'deliver'] as const) {
      const s = await session();
      try {
        const { connectionId } = await s.plugin.connect({
          credentials: { clientId: 'sandbox-client-id', clientSecret: 'sandbox-client-secret' },
          config: { name: 'Two', munchkinId: '123-ABC-456', syncType: 'audience_and_profile', personAction: 'update_and_create', dedupeField: 'email' },
        });
        const { activationId } = await s.plugin.activate({ connectionId, audiences, mappings: [
          { source: 'identityMap.Email', target: 'identity:DedupeField' }, { source: 'first', target: 'firstName' }, { source: 'last', target: 'lastName' },
        ] });
        const results: RecordResult[] = [];
        if (mode === 'backfill') {
          const report = await s.plugin.backfill({ activationId, profiles, onResult: (r) => results.push(r) });
          expect(report.summary).to.include({ received: 4, delivered: 4, created: 2, updated: 2, addedToList: 6, removedFromList: 1 });
        } else {
          results.push(...(await s.plugin.deliver({ activationId, profiles })).results);
        }
        states.push({ state: marketoState(s.sandbox), actions: results.map((r) => [r.recordId, [...r.actions].sort()]).sort() });
      } finally {
        await s.close();
      }
    }
    expect(states[0]).to.deep.equal(states[1]);
  });
});

describe('backfill: imports and what Marketo says of their rows', () => {
  it('rejects the rows in the failures file, delivers the rows with a warning, and reports every import', async () => {
    const s = await session();
    try {
      // Marketo's view of two fields changed after the plugin read describe2: Lead Score now
      // takes booleans (a number fails the row), First Name now takes emails (a name imports with a warning).
      for (const [name, dataType] of [['leadScore', 'boolean'], ['firstName', 'email']]) s.sandbox.store.fields.find((f) => f.name === name)!.dataType = dataType!;
      const withScore = { ...person(7, 'realized', 'person1@example.com'), recordId: 'r-1' };
      const withoutScore: ProfileEvent = { ...person(2), attributes: { first: 'Second', last: 'Person' } };
      const { report, results } = await backfill(s, [withScore, withoutScore]);
      const byId = new Map(results.map((r) => [r.recordId, r]));
      expect(byId.get('r-1')).to.deep.equal({
        recordId: 'r-1',
        outcome: 'rejected',
        actions: [],
        reason: { code: 'MARKETO_REJECTED', message: "Marketo's bulk import refused the row: Invalid data type in field Lead Score" },
      });
      expect(byId.get('r-2')).to.deep.equal({ recordId: 'r-2', outcome: 'delivered', actions: ['created', 'listAdded:aud-r'] });
      // One import: the new leads join the audience's list as they are created (the file's listId).
      expect(report.imports.map(({ rows, failed, warnings, status }) => ({ rows, failed, warnings, status }))).to.deep.equal([
        { rows: 2, failed: 1, warnings: 1, status: 'Complete' },
      ]);
      expect(report.summary).to.include({ received: 2, delivered: 1, rejected: 1, created: 1, addedToList: 1 });
      const created = [...s.sandbox.store.leads.values()].find((l) => l.fields.email === 'person2@example.com')!;
      expect(created.fields).to.include({ firstName: 'Second', lastName: 'Person' });
    } finally {
      await s.close();
    }
  });

  it('sends the rows of an import that ended Failed back to the host as retryable', async () => {
    const s = await session();
    try {
      s.sandbox.inject({ path: '/bulk/v1/leads.json', method: 'POST', importFailure: { message: 'Import failed: internal error' } });
      const { report, results } = await backfill(s, [person(1), person(2)]);
      expect(results.map((r) => r.outcome)).to.deep.equal(['retryable', 'retryable']);
      expect(results[0]!.reason!.message).to.contain('Import failed: internal error');
      expect(report.imports[0]).to.include({ status: 'Failed', rows: 2 });
      expect(report.summary).to.include({ received: 2, retryable: 2 });
    } finally {
      await s.close();
    }
  });

  it('waits out a full import queue (1016) instead of giving up', async () => {
    const s = await session();
    try {
      s.sandbox.inject({ path: '/bulk/v1/leads.json', method: 'POST', code: '1016', message: 'Too many imports', times: 3 });
      const { results } = await backfill(s, [person(1)]);
      expect(results).to.deep.equal([{ recordId: 'r-1', outcome: 'delivered', actions: ['created', 'listAdded:aud-r'] }]);
    } finally {
      await s.close();
    }
  });

  it('keeps within the import queue: small files, many imports, never a 1016 or 1019 of its own making', async () => {
    const s = await sandboxSession({ sandbox: { bulk: { rowsPerSecond: 50, queueDelayMs: 0 } }, plugin: { bulk: { pollIntervalMs: 500, maxFileBytes: 2_000 } } });
    const codes: string[] = [];
    s.plugin.events.on('marketo.call', (call) => call.marketoCode && codes.push(call.marketoCode));
    try {
      const { report, progress } = await backfill(s, Array.from({ length: 300 }, (_, i) => person(i)));
      expect(report.imports.length).to.be.greaterThan(4);
      expect(report.imports.every((i) => i.status === 'Complete')).to.equal(true);
      expect(codes).to.deep.equal([]);
      expect(report.summary).to.include({ received: 300, delivered: 300, created: 300, addedToList: 300 });
      expect(progress.map((p) => p.phase)).to.deep.equal(['matching', 'importing', 'lists', 'done']);
      expect(progress.at(-1)).to.deep.equal({ phase: 'done', read: 300, matched: 300, imported: 300, done: 300 });
    } finally {
      await s.close();
    }
  });

  it('polls a job first when the jobs before it predict its end, not every interval from the start', async () => {
    // Slow imports (10 rows a second) of small files: about 5 s a field file, polled every 500 ms.
    const s = await sandboxSession({ sandbox: { bulk: { rowsPerSecond: 10, queueDelayMs: 0 } }, plugin: { bulk: { pollIntervalMs: 500, maxFileBytes: 2_000 } } });
    const polls = new Map<string, number>();
    s.plugin.events.on('marketo.call', (call) => {
      const job = /^GET \/bulk\/v1\/leads\/batch\/(\d+)\.json$/.exec(call.operation)?.[1];
      if (job) polls.set(job, (polls.get(job) ?? 0) + 1);
    });
    try {
      const { report } = await backfill(s, Array.from({ length: 300 }, (_, i) => person(i)));
      expect(report.summary).to.include({ received: 300, delivered: 300, created: 300, addedToList: 300 });
      const perJob = report.imports.map((i) => polls.get(String(i.batchId)) ?? 0);
      // The first job, with nothing to go by, is polled every interval until it ends (some 5 s).
      expect(perJob[0]).to.be.at.least(10);
      // The later ones are first looked at near the end the fastest job so far predicts (early
      // rather than late: a job queued behind another takes longer): half the polls or fewer.
      expect(perJob.slice(1).every((n) => n <= 5), `polls per job: ${perJob.join(', ')}`).to.equal(true);
    } finally {
      await s.close();
    }
  });

  it('writes a value repeated in later chunks while its import still runs once, in input order, the last event winning', async () => {
    // Chunks are 1 000 profiles: the repeated value comes in the first, the third and twice in
    // the fifth, each time with its own first name, while the first is still to be imported.
    // (A value deferred twice once stalled the backfill in an endless round of taking locks.)
    const repeat = (n: number, first: string): ProfileEvent => ({ ...person(9_000 + n, 'realized', 'repeat@example.com'), attributes: { first, last: 'Repeat', score: n } });
    const others = (from: number, count: number) => Array.from({ length: count }, (_, i) => person(from + i));
    const profiles = [repeat(1, 'One'), ...others(100, 1_999), repeat(2, 'Two'), ...others(3_000, 1_999), repeat(3, 'Two bis'), repeat(4, 'Three'), ...others(6_000, 1_998)];
    const s = await session();
    try {
      const { report, results } = await backfill(s, profiles);
      expect(results).to.have.length(profiles.length);
      expect(report.summary).to.include({ received: profiles.length, delivered: profiles.length, rejected: 0, retryable: 0 });
      const leads = [...s.sandbox.store.leads.values()].filter((l) => l.fields.email === 'repeat@example.com');
      expect(leads.map((l) => l.fields.firstName)).to.deep.equal(['Three']);
      const repeated = results.filter((r) => ['r-9001', 'r-9002', 'r-9003', 'r-9004'].includes(r.recordId));
      expect(repeated.map((r) => r.outcome)).to.deep.equal(['delivered', 'delivered', 'delivered', 'delivered']);
      expect(new Set(repeated.map((r) => r.leadId).filter((id) => id !== undefined)).size).to.equal(1);
    } finally {
      await s.close();
    }
  });

  it('looks values up in whole calls of 300 across chunks, not a partial call at the end of every chunk', async () => {
    // Six chunks of 1 000 new profiles: 6 000 values are 20 calls; a chunk at a time made 24
    // (three whole calls and a partial one each).
    const profiles = Array.from({ length: 6_000 }, (_, i) => person(i));
    const s = await session();
    try {
      const { report, results } = await backfill(s, profiles);
      expect(s.sandbox.stats.byOperation['lookup leads']).to.equal(20);
      expect(report.summary).to.include({ received: 6_000, delivered: 6_000, created: 6_000, addedToList: 6_000, rejected: 0, retryable: 0 });
      expect(results).to.have.length(6_000);
    } finally {
      await s.close();
    }
  });

  it('carries every profile read before the host\'s stream fails through to its result, frees their values, then rejects with that error', async () => {
    // 2 500 profiles then a failure: two whole chunks taken, 500 read into the next, some values
    // still waiting for a whole lookup call when the stream fails.
    const broken = new Error('cursor lost');
    async function* failingStream() {
      for (let i = 0; i < 2_500; i++) yield person(i);
      throw broken;
    }
    const s = await session();
    try {
      const results: RecordResult[] = [];
      const failed: unknown[] = [];
      s.plugin.events.on('run.failed', (event) => failed.push(event));
      const outcome = await s.plugin.backfill({ activationId: s.activationId, profiles: failingStream(), onResult: (r) => results.push(r) }).catch((e: unknown) => e);
      expect(outcome).to.equal(broken);
      // The host hears of it as of any failed run, with what was done.
      expect(failed).to.have.length(1);
      expect(failed[0]).to.include({ received: 2_500, delivered: 2_500, rejected: 0, retryable: 0 });
      expect(results).to.have.length(2_500);
      expect(new Set(results.map((r) => r.recordId)).size).to.equal(2_500);
      expect(results.every((r) => r.outcome === 'delivered')).to.equal(true);
      const leadsByEmail = new Map<unknown, number>();
      for (const lead of s.sandbox.store.leads.values()) leadsByEmail.set(lead.fields.email, (leadsByEmail.get(lead.fields.email) ?? 0) + 1);
      expect(Array.from({ length: 2_500 }, (_, i) => leadsByEmail.get(`person${i}@example.com`) ?? 0).every((n) => n >= 1)).to.equal(true);
      // Nothing stays locked: a delivery of values the backfill held goes through at once.
      const again = await s.plugin.deliver({ activationId: s.activationId, profiles: [{ ...person(2_499), recordId: 'again' }] });
      expect(again.summary).to.include({ delivered: 1, updated: 1 });
    } finally {
      await s.close();
    }
  });

  it('gives the values of failed lookups, waiting ones included, one retryable result each and frees them', async () => {
    // 27 failed answers: the attempts of concurrent calls interleave, so that seven calls fail all
    // three of their attempts — among them the calls that carry values that waited across a
    // chunk boundary — and the others succeed on a retry.
    const s = await sandboxSession({ sandbox: { bulk: BULK, faults: [{ path: '/rest/v1/leads.json', httpStatus: 500, times: 27 }] }, plugin: { bulk: { pollIntervalMs: 1_000 } } });
    try {
      const profiles = Array.from({ length: 3_000 }, (_, i) => person(i));
      const { report, results } = await backfill(s, profiles);
      expect(results).to.have.length(3_000);
      expect(new Set(results.map((r) => r.recordId)).size).to.equal(3_000);
      const retryable = results.filter((r) => r.outcome === 'retryable');
      // Seven whole calls: r-900 to r-999 waited for the second chunk, r-1800 to r-1999 for the third.
      expect(retryable.map((r) => r.recordId).sort()).to.deep.equal(Array.from({ length: 2_100 }, (_, i) => `r-${i}`).sort());
      expect(report.summary).to.include({ received: 3_000, delivered: 3_000 - retryable.length, retryable: retryable.length, rejected: 0 });
      // Sent again, a retryable profile goes through at once: nothing of it stayed locked.
      const again = profiles.find((p) => p.recordId === retryable[0]!.recordId)!;
      const delivered = await s.plugin.deliver({ activationId: s.activationId, profiles: [again] });
      expect(delivered.summary).to.include({ delivered: 1 });
    } finally {
      await s.close();
    }
  });

  it('refuses a request that is not a stream of profiles, and a backfill after teardown', async () => {
    const s = await session();
    try {
      const bad = await s.plugin.backfill({ activationId: s.activationId, profiles: 42 as never }).catch((e: unknown) => e);
      expect(bad).to.be.instanceOf(InvalidRequestError).and.to.include({ code: 'MALFORMED_REQUEST' });
      const teardown = s.plugin.teardown({ activationId: s.activationId });
      const late = await s.plugin.backfill({ activationId: s.activationId, profiles: [person(1)] }).catch((e: unknown) => e);
      expect(late).to.include({ code: 'TORN_DOWN' });
      await teardown;
    } finally {
      await s.close();
    }
  });
});

describe('backfill: a large async stream in bounded memory', () => {
  it('backfills 200 000 profiles from an async generator within a 128 MB heap', async function () {
    this.timeout(180_000);
    const sandbox = await startSandbox({ limits: { callsPerWindow: 1e9, dailyQuota: 1e9 }, bulk: { rowsPerSecond: Infinity, queueDelayMs: 0 } });
    try {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--max-old-space-size=128', '--import', 'tsx', 'test/fixtures/backfill-child.ts', sandbox.url, '200000'],
        { timeout: 170_000, maxBuffer: 1 << 20 },
      );
      const outcome = JSON.parse(stdout.trim().split('\n').at(-1)!) as { results: number; delivered: number; peakHeapMb: number; imports: number };
      expect(outcome.results).to.equal(200_000);
      expect(outcome.delivered).to.equal(200_000);
      expect(sandbox.store.leads.size).to.be.greaterThan(200_000);
      console.log(`      (peak heap ${outcome.peakHeapMb} MB, ${outcome.imports} imports)`);
    } finally {
      await sandbox.stop();
    }
  });
});
