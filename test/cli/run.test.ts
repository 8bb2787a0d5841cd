import { expect } from 'chai';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { startSandbox } from '../../src/sandbox/server.js';
import { capture, profileLine, runFixture, type RunFixture } from './helpers.js';

describe('marketo-destination run', () => {
  let fx: RunFixture;
  beforeEach(async () => {
    fx = await runFixture();
  });
  afterEach(async () => {
    await fx.close();
  });

  describe('the report', () => {
    it('has one line per input line, in order: a byte order mark is ignored, a null, an array and bad JSON are rejected inputs', async () => {
      fx.writeProfiles([
        `\uFEFF${profileLine(1, 'ann.lee@example.com')}`,
        profileLine(2, 'new.one@example.com'),
        '{ "email": ann.lee@example.com',
        '',
        profileLine(4, 'raj.patel@example.com'),
        'null',
        '[1, 2]',
        profileLine(7, 'new.two@example.com'),
      ]);
      const io = capture();
      expect(await main(fx.args(), io, fx.deps)).to.equal(1); // some lines were rejected
      const report = fx.report();
      expect(report.map((r) => [r.line, r.recordId, r.outcome, (r.reason as { code?: string } | undefined)?.code])).to.deep.equal([
        [1, 'r-1', 'delivered', undefined],
        [2, 'r-2', 'delivered', undefined],
        [3, 'line:3', 'rejected', 'INVALID_PROFILE'],
        [5, 'r-4', 'delivered', undefined],
        [6, 'line:6', 'rejected', 'INVALID_PROFILE'],
        [7, 'line:7', 'rejected', 'INVALID_PROFILE'],
        [8, 'r-7', 'delivered', undefined],
      ]);
      expect(report[0]).to.include.keys('line', 'recordId', 'outcome', 'leadId', 'actions');
      expect((report[2]!.reason as { message: string }).message).to.equal('Line 3 is not valid JSON.');
      expect((report[4]!.reason as { message: string }).message).to.equal('Line 6 is not a profile event: expected a JSON object, got null.');
      expect(JSON.stringify(report)).not.to.contain('ann.lee@example.com'); // a rejected line is never quoted
      expect(io.stdout).to.include('Profiles: 7 read · 4 delivered · 0 skipped · 3 rejected · 0 still retryable');
      expect(fx.sandbox.store.listByName('CLI audience')!.members.size).to.equal(4);
    });

    it('replaces the previous report only when the run ends, and never leaves a temporary file', async () => {
      const reportPath = join(fx.dir, 'report.jsonl');
      writeFileSync(reportPath, 'the previous report\n');
      fx.writeProfiles([profileLine(1, 'ann.lee@example.com')]);
      process.env.MARKETO_CLIENT_SECRET = 'not-the-secret';
      expect(await main(fx.args(), capture(), fx.deps)).to.equal(3);
      expect(readFileSync(reportPath, 'utf8')).to.equal('the previous report\n');
      writeFileSync(join(fx.dir, 'settings.json'), JSON.stringify({ name: 'CLI', munchkinId: '123-ABC-456', syncType: 'audience_only', dedupeField: 'email', partition: 'Nowhere' }));
      expect(await main(fx.args(), capture(), fx.deps)).to.equal(3);
      expect(readFileSync(reportPath, 'utf8')).to.equal('the previous report\n');
      expect(readdirSync(fx.dir).filter((f) => f.endsWith('.tmp'))).to.deep.equal([]);
    });

    it('goes to the --report path, in any existing directory', async () => {
      mkdirSync(join(fx.dir, 'out'));
      fx.writeProfiles([profileLine(1, 'ann.lee@example.com')]);
      expect(await main(fx.args(['--report', join(fx.dir, 'out', 'r.jsonl')]), capture(), fx.deps)).to.equal(0);
      expect(readFileSync(join(fx.dir, 'out', 'r.jsonl'), 'utf8').trim().split('\n')).to.have.length(1);
    });

    it('writes many batches without a listener per write (no MaxListenersExceededWarning)', async () => {
      fx.writeProfiles(Array.from({ length: 30 }, (_, i) => profileLine(i, `person${i}@example.com`)));
      const warnings: Error[] = [];
      const onWarning = (warning: Error) => warnings.push(warning);
      process.on('warning', onWarning);
      try {
        expect(await main(fx.args(['--batch-size', '1']), capture(), fx.deps)).to.equal(0);
      } finally {
        process.off('warning', onWarning);
      }
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.map((w) => w.name)).to.deep.equal([]);
      expect(fx.report()).to.have.length(30);
      expect(readdirSync(fx.dir).filter((f) => f.endsWith('.tmp'))).to.deep.equal([]);
    });
  });

  describe('exit codes', () => {
    it('0 when every profile was delivered or skipped', async () => {
      fx.writeProfiles([profileLine(1, 'ann.lee@example.com'), profileLine(2, 'nobody@example.com', 'exited')]);
      const io = capture();
      expect(await main(fx.args(), io, fx.deps)).to.equal(0);
      expect(fx.report().map((r) => r.outcome)).to.deep.equal(['delivered', 'skipped']);
    });

    it('2 for usage errors, before any call to Marketo, each with its reason', async () => {
      fx.writeProfiles([profileLine(1, 'ann.lee@example.com')]);
      const cases: Array<[string[], string]> = [
        [['--batch-size', '0'], '--batch-size must be a whole number from 1 to 10000, got "0".'],
        [['--batch-size=-3'], '--batch-size must be a whole number from 1 to 10000, got "-3".'],
        [['--batch-size', '2.5'], '--batch-size must be a whole number from 1 to 10000, got "2.5".'],
        [['--batch-size', '10001'], '--batch-size must be a whole number from 1 to 10000, got "10001".'],
        [['--max-replays', 'x'], '--max-replays must be a whole number of at least 0, got "x".'],
        [['--max-unavailable-batches', '0'], '--max-unavailable-batches must be a whole number of at least 1, got "0".'],
        [['--log-level', 'verbose'], '--log-level must be one of debug, info, warn, error, got "verbose".'],
        [['--log-format', 'xml'], '--log-format must be one of text, json, got "xml".'],
        [['--marketo-base-url', 'ftp://example.com'], '--marketo-base-url must be an http(s) URL, got "ftp://example.com".'],
        [['--report', join(fx.dir, 'missing', 'report.jsonl')], `The report's directory ${join(fx.dir, 'missing')} does not exist; create it or choose another --report path.`],
        [['--report', fx.dir], `--report ${fx.dir} is a directory; give the path of a file.`],
        [['--profiles', join(fx.dir, 'nope.ndjson')], `The profiles file ${join(fx.dir, 'nope.ndjson')} does not exist.`],
        [['--config', join(fx.dir, 'nope.json')], `The settings file ${join(fx.dir, 'nope.json')} does not exist.`],
        [['--bogus'], "Unknown option '--bogus'"],
      ];
      for (const [extra, message] of cases) {
        const io = capture();
        expect(await main(fx.args(extra), io, fx.deps), extra.join(' ')).to.equal(2);
        expect(io.stderr.join('\n'), extra.join(' ')).to.contain(`error: ${message}`);
        expect(io.stderr.join('\n')).not.to.match(/\n\s+at /); // no stack trace
      }
      writeFileSync(join(fx.dir, 'mappings.json'), '[{');
      const bad = capture();
      expect(await main(fx.args(), bad, fx.deps)).to.equal(2);
      expect(bad.stderr.join()).to.match(/mappings file .* is not valid JSON/);
      delete process.env.MARKETO_CLIENT_SECRET;
      const creds = capture();
      expect(await main(fx.args(), creds, fx.deps)).to.equal(2);
      expect(creds.stderr.join()).to.contain('Set MARKETO_CLIENT_SECRET');
      expect(fx.sandbox.stats.tokenCalls + fx.sandbox.stats.calls).to.equal(0);
    });

    it('reads settings files that start with a byte order mark', async () => {
      writeFileSync(join(fx.dir, 'audiences.json'), `\uFEFF${JSON.stringify([{ id: 'aud-1', name: 'CLI audience' }])}`);
      fx.writeProfiles([profileLine(1, 'ann.lee@example.com')]);
      expect(await main(fx.args(), capture(), fx.deps)).to.equal(0);
    });

    it('3 when the settings, the mappings or the credentials are refused', async () => {
      fx.writeProfiles([profileLine(1, 'ann.lee@example.com')]);
      writeFileSync(join(fx.dir, 'settings.json'), JSON.stringify({ name: 'CLI', munchkinId: '123-ABC-456', syncType: 'profile_only', dedupeField: 'email', personAction: 'update_only', partition: 'Nowhere' }));
      const config = capture();
      expect(await main(fx.args(), config, fx.deps)).to.equal(3);
      expect(config.stderr.join('\n')).to.contain('UNKNOWN_PARTITION');

      writeFileSync(join(fx.dir, 'settings.json'), JSON.stringify({ name: 'CLI', munchkinId: '123-ABC-456', syncType: 'audience_only', dedupeField: 'email' }));
      writeFileSync(join(fx.dir, 'mappings.json'), JSON.stringify([{ source: 'firstName', target: 'firstName' }]));
      const mappings = capture();
      expect(await main(fx.args(), mappings, fx.deps)).to.equal(3);
      expect(mappings.stderr.join('\n')).to.contain('DEDUPE_MAPPING_MISSING');

      process.env.MARKETO_CLIENT_SECRET = 'not-the-secret';
      const credentials = capture();
      expect(await main(fx.args(), credentials, fx.deps)).to.equal(3);
      expect(credentials.stderr.at(-1)).to.match(/^error: Marketo refused the client id and secret/);
      expect(credentials.stderr.join('\n')).not.to.contain('not-the-secret');
      expect(readdirSync(fx.dir)).not.to.include('report.jsonl');
    });

    it('4 when Marketo cannot be reached at connect, and no report is written', async () => {
      const gone = await startSandbox();
      await gone.stop();
      fx.writeProfiles([profileLine(1, 'ann.lee@example.com')]);
      const io = capture();
      expect(await main(fx.args(['--marketo-base-url', gone.url]), io, fx.deps)).to.equal(4);
      expect(io.stderr.join('\n')).to.contain('Marketo cannot take calls now; nothing was delivered and no report was written.');
      expect(readdirSync(fx.dir)).not.to.include('report.jsonl');
    });
  });

  describe('a re-run right after a heavy run', () => {
    it('waits for Marketo\'s window instead of failing on 606', async () => {
      await fx.close();
      // An instance whose window holds 12 calls per 20 s: the first run spends most of it.
      fx = await runFixture({ sandbox: { limits: { callsPerWindow: 12, windowMs: 20_000 } } });
      fx.writeProfiles([profileLine(1, 'ann.lee@example.com'), profileLine(2, 'new.person@example.com'), profileLine(3, 'raj.patel@example.com')]);
      expect(await main(fx.args(['--batch-size', '1']), capture(), fx.deps)).to.equal(0);
      const again = capture();
      expect(await main(fx.args(['--batch-size', '1']), again, fx.deps)).to.equal(0);
      expect(fx.sandbox.stats.rateLimited, 'Marketo did refuse calls of the second run').to.be.greaterThan(0);
      expect(again.stderr.some((l) => l.includes('is rate limited (606)'))).to.equal(true);
      expect(fx.report().map((r) => r.outcome)).to.deep.equal(['delivered', 'delivered', 'delivered']);
    });
  });

  describe('replays and stopping early', () => {
    it('sends retryable profiles again as the report advises, and says so in the log', async () => {
      fx.writeProfiles([profileLine(1, 'ann.lee@example.com')]);
      fx.sandbox.inject({ method: 'GET', path: '/rest/v1/leads.json', code: '611', times: 4 }); // two deliveries' attempts
      const io = capture();
      expect(await main(fx.args(), io, fx.deps)).to.equal(0);
      expect(fx.deps.waits).to.deep.equal([5, 5]);
      expect(fx.report().map((r) => r.outcome)).to.deep.equal(['delivered']);
      expect(io.stderr.filter((l) => l.includes('INFO  Sending retryable profiles again'))).to.have.length(2);
    });

    it('stops after --max-unavailable-batches batches in a row that Marketo took none of, exit 4, reporting every line read', async () => {
      fx.writeProfiles(Array.from({ length: 10 }, (_, i) => profileLine(i + 1, `person${i + 1}@example.com`)));
      fx.sandbox.inject({ method: 'GET', path: '/rest/v1/leads.json', code: '611', times: 1000 });
      const io = capture();
      expect(await main(fx.args(['--max-unavailable-batches', '2', '--max-replays', '1']), io, fx.deps)).to.equal(4);
      const report = fx.report();
      expect(report.map((r) => [r.line, r.outcome, (r.reason as { code: string }).code])).to.deep.equal([
        [1, 'retryable', 'MARKETO_UNAVAILABLE'],
        [2, 'retryable', 'MARKETO_UNAVAILABLE'],
        [3, 'retryable', 'MARKETO_UNAVAILABLE'],
        [4, 'retryable', 'MARKETO_UNAVAILABLE'],
      ]);
      expect(fx.deps.waits).to.deep.equal([5, 5]); // one replay per batch, then the stop
      const stderr = io.stderr.join('\n');
      expect(stderr).to.contain('Stopped: Marketo took none of the last 2 batch(es) (MARKETO_UNAVAILABLE: ');
      expect(stderr).to.contain('4 profile(s) in the report are retryable. The 6 line(s) of ' + join(fx.dir, 'profiles.ndjson') + ' after line 4 were not read and have no report line.');
      expect(io.stdout).to.include('Profiles: 4 read · 0 delivered · 0 skipped · 0 rejected · 4 still retryable');
    });

    it('counts only batches in a row: one that Marketo takes starts the count again', async () => {
      fx.writeProfiles(Array.from({ length: 10 }, (_, i) => profileLine(i + 1, `person${i + 1}@example.com`)));
      fx.sandbox.inject({ method: 'GET', path: '/rest/v1/leads.json', code: '611', times: 2 }); // the first batch's two attempts
      const io = capture();
      // Marketo goes down again once the second batch is reported.
      io.progress = (line) => {
        if (line.startsWith('4 line(s)')) fx.sandbox.inject({ method: 'GET', path: '/rest/v1/leads.json', code: '611', times: 1000 });
      };
      expect(await main(fx.args(['--max-unavailable-batches', '2', '--max-replays', '0']), io, fx.deps)).to.equal(4);
      expect(fx.report().map((r) => r.outcome)).to.deep.equal(['retryable', 'retryable', 'delivered', 'delivered', 'retryable', 'retryable', 'retryable', 'retryable']);
      expect(io.stderr.join('\n')).to.contain('The 2 line(s) of ' + join(fx.dir, 'profiles.ndjson') + ' after line 8 were not read');
    });

    it('stops at once when the daily quota is used up, with the time it resets', async () => {
      fx.writeProfiles(Array.from({ length: 6 }, (_, i) => profileLine(i + 1, `person${i + 1}@example.com`)));
      fx.sandbox.inject({ method: 'GET', path: '/rest/v1/leads.json', code: '607', times: 1 });
      const io = capture();
      expect(await main(fx.args(), io, fx.deps)).to.equal(4);
      expect(fx.deps.waits).to.deep.equal([]); // no replay: nothing goes through before the reset
      expect(fx.report().map((r) => (r.reason as { code: string }).code)).to.deep.equal(['QUOTA_EXHAUSTED', 'QUOTA_EXHAUSTED']);
      const stderr = io.stderr.join('\n');
      // The virtual clock reads 2026-11-20T15:00Z: the next midnight in Chicago is 06:00Z.
      expect(stderr).to.contain("Stopped: Marketo's daily API quota is used up (QUOTA_EXHAUSTED). It resets at 2026-11-21T06:00:00.000Z (midnight US Central time).");
      expect(stderr).to.contain('after line 2 were not read');
    });
  });

  describe('--dry-run', () => {
    it('writes nothing to Marketo, marks every report line, and prints the plan per audience', async () => {
      fx.writeProfiles([profileLine(1, 'ann.lee@example.com'), profileLine(2, 'new.person@example.com'), '{']);
      const leadsBefore = structuredClone([...fx.sandbox.store.leads.values()]);
      const io = capture();
      expect(await main(fx.args(['--dry-run']), io, fx.deps)).to.equal(1); // the bad line is rejected
      expect([...fx.sandbox.store.leads.values()]).to.deep.equal(leadsBefore);
      expect(Object.keys(fx.sandbox.stats.byOperation).filter((o) => o.startsWith('sync') || o.startsWith('list'))).to.deep.equal([]);
      const report = fx.report();
      expect(report.map((r) => [r.line, r.outcome, r.actions, r.dryRun])).to.deep.equal([
        [1, 'delivered', ['updated', 'listAdded:aud-1'], true],
        [2, 'delivered', ['created', 'listAdded:aud-1'], true],
        [3, 'rejected', [], true],
      ]);
      const stdout = io.stdout.join('\n');
      expect(stdout).to.contain('Dry run — nothing was written. Profiles: 3 read · 2 would be delivered · 0 skipped · 1 rejected');
      expect(stdout).to.contain('Would create 1 lead(s) · update 1 · leave 0 unchanged (1 lookup call(s))');
      expect(stdout).to.contain('audience "CLI audience" (aud-1): would add 2 · remove 0');
    });

    it('is refused together with --bulk', async () => {
      fx.writeProfiles([profileLine(1, 'ann.lee@example.com')]);
      const io = capture();
      expect(await main(fx.args(['--dry-run', '--bulk']), io, fx.deps)).to.equal(2);
      expect(io.stderr.join('\n')).to.contain('--dry-run and --bulk do not go together');
    });
  });

  describe('--bulk', () => {
    it('streams the file through Bulk Lead Import, with a report line per input line and the progress of each phase', async () => {
      fx.writeProfiles([profileLine(1, 'ann.lee@example.com'), '[]', profileLine(3, 'new.person@example.com'), profileLine(4, 'raj.patel@example.com')]);
      const io = capture();
      expect(await main(fx.args(['--bulk']), io, fx.deps)).to.equal(1); // line 2 is not a profile
      const report = fx.report().sort((a, b) => Number(a.line) - Number(b.line));
      expect(report.map((r) => [r.line, r.recordId, r.outcome, r.actions])).to.deep.equal([
        [1, 'r-1', 'delivered', ['updated', 'listAdded:aud-1']],
        [2, 'line:2', 'rejected', []],
        [3, 'r-3', 'delivered', ['created', 'listAdded:aud-1']],
        [4, 'r-4', 'delivered', ['updated', 'listAdded:aud-1']],
      ]);
      expect(fx.sandbox.stats.byOperation).not.to.have.any.keys('sync leads updateOnly', 'sync leads createOnly', 'list add');
      expect(io.progressLines.filter(Boolean).map((l) => l.split(' · ')[0])).to.include.members(['matching', 'importing', 'lists', 'done']);
      expect(io.progressLines.filter(Boolean).at(-1)).to.match(/^done · read 4\/4 · imported \d+ · done 4 \(100 %\)$/);
      expect(io.stdout.join('\n')).to.match(/Report: .* \(4 line\(s\)\); \d+ bulk import\(s\)/);
    });
  });

  describe('logs', () => {
    it('--log-format json writes one object per line with time, level, msg and fields, down to --log-level', async () => {
      fx.writeProfiles([profileLine(1, 'ann.lee@example.com'), '{', profileLine(3, 'new.person@example.com')]);
      const io = capture();
      expect(await main(fx.args(['--log-format', 'json', '--log-level', 'debug']), io, fx.deps)).to.equal(1);
      const lines = io.stderr.map((l) => JSON.parse(l) as Record<string, unknown>);
      for (const line of lines) {
        expect(Object.keys(line).slice(0, 3)).to.deep.equal(['time', 'level', 'msg']);
        // The injected clock (it advances only when the plugin waits for budget).
        expect(line.time).to.match(/^2026-11-20T15:00:\d\d\.\d{3}Z$/);
      }
      expect(lines.map(({ time: _time, ...rest }) => rest)).to.deep.include({ level: 'debug', msg: 'Batch done', fromLine: 1, toLine: 2, delivered: 1, rejected: 1 });
      expect(lines.map((l) => l.level)).to.include('info');
      expect(io.stderr.join('\n')).not.to.contain(process.env.MARKETO_CLIENT_SECRET);
    });

    it('--log-level warn drops debug and info lines; text lines read "time LEVEL msg key=value"', async () => {
      fx.writeProfiles([profileLine(1, 'ann.lee@example.com')]);
      fx.sandbox.inject({ method: 'GET', path: '/rest/v1/leads.json', code: '611', times: 2 });
      const quiet = capture();
      expect(await main(fx.args(['--log-level', 'warn']), quiet, fx.deps)).to.equal(0);
      expect(quiet.stderr).to.deep.equal([]);
      fx.sandbox.inject({ method: 'GET', path: '/rest/v1/leads.json', code: '611', times: 2 });
      const text = capture();
      expect(await main(fx.args(['--log-level', 'debug']), text, fx.deps)).to.equal(0);
      expect(text.stderr.filter((l) => /^\S+Z INFO  Sending retryable profiles again profiles=1 waitMs=5 replay=1 maxReplays=3$/.test(l))).to.have.length(1);
      expect(text.stderr.filter((l) => /^\S+Z DEBUG Batch done fromLine=1 toLine=1 delivered=1$/.test(l))).to.have.length(1);
    });
  });
});
