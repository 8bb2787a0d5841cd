import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { main } from '../../src/cli/main.js';
import type { Output } from '../../src/cli/io.js';
import { SANDBOX_CREDENTIALS, startSandbox, type RunningSandbox } from '../../src/sandbox/server.js';

function capture(): Output & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l), progress: () => undefined };
}

const ENV_KEYS = ['MARKETO_CLIENT_ID', 'MARKETO_CLIENT_SECRET'] as const;

describe('command line', () => {
  it('npm start runs the demo as a process that prints each use case and exits 0 on its own', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'demo'], { timeout: 60_000 });
    for (const title of ['1. Re-engage known prospects only', '2. Re-engage and update known prospects', '3. Re-engage and extend reach', '4. Keep profiles fresh']) {
      expect(stdout).to.contain(title);
    }
    expect(stdout).to.contain('newest of 2 duplicates');
    expect(stdout).to.contain('created lead');
    expect(stdout).to.contain('NO_MATCHING_LEAD');
    expect(stdout.match(/summary: received 4/g)).to.have.length(4);
  });

  it('prints help for every command', async () => {
    for (const command of [[], ['demo', '--help'], ['run', '--help'], ['sandbox', '--help'], ['validate-manifest', '--help']]) {
      const io = capture();
      expect(await main(command, io)).to.equal(0);
      expect(io.stdout.join('\n')).to.match(/^Usage: marketo-destination/);
    }
  });

  it('validates a manifest extension file and prints every problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mkto-cli-'));
    const file = join(dir, 'extension.json');
    writeFileSync(file, JSON.stringify({ removeSettings: ['name'], overrideSettings: { dedupeField: { required: false } } }));
    const io = capture();
    expect(await main(['validate-manifest', file], io)).to.equal(1);
    expect(io.stdout.join('\n')).to.contain('/removeSettings/0').and.to.contain('/overrideSettings/dedupeField/required');
    const ok = capture();
    expect(await main(['validate-manifest'], ok)).to.equal(0);
  });

  it('runs the sandbox alone until interrupted, on the requested seed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mkto-seed-'));
    const seedFile = join(dir, 'seed.json');
    const { DEFAULT_SEED } = await import('../../src/sandbox/seed.js');
    writeFileSync(seedFile, JSON.stringify({ ...DEFAULT_SEED, leads: DEFAULT_SEED.leads.slice(0, 2) }));
    const controller = new AbortController();
    const io = capture();
    const io2 = { ...io, out: (line: string) => {
      io.out(line);
      if (line.startsWith('Marketo sandbox listening on')) {
        const url = line.split(' ').at(-1)!;
        void fetch(`${url}/identity/oauth/token?grant_type=client_credentials&client_id=x&client_secret=y`).then((res) => {
          io.out(`identity answered ${res.status}`);
          controller.abort();
        });
      }
    } };
    expect(await main(['sandbox', '--seed', seedFile], io2, { signal: controller.signal })).to.equal(0);
    expect(io.stdout.join('\n')).to.contain('seeded: 2 leads').and.to.contain('identity answered 401').and.to.contain('Sandbox stopped');
    const bad = capture();
    expect(await main(['sandbox', '--port', 'abc'], bad)).to.equal(2);
    expect(bad.stderr.join()).to.contain('--port must be a port number');
  });

  describe('run', () => {
    let sandbox: RunningSandbox;
    let dir: string;
    const saved: Partial<Record<(typeof ENV_KEYS)[number], string>> = {};
    beforeEach(async () => {
      sandbox = await startSandbox();
      dir = mkdtempSync(join(tmpdir(), 'mkto-run-'));
      for (const key of ENV_KEYS) saved[key] = process.env[key];
      process.env.MARKETO_CLIENT_ID = SANDBOX_CREDENTIALS.clientId;
      process.env.MARKETO_CLIENT_SECRET = SANDBOX_CREDENTIALS.clientSecret;
      writeFileSync(join(dir, 'settings.json'), JSON.stringify({ name: 'CLI', munchkinId: '123-ABC-456', syncType: 'audience_and_profile', personAction: 'update_and_create', dedupeField: 'email' }));
      writeFileSync(join(dir, 'mappings.json'), JSON.stringify([
        { source: 'identityMap.Email', target: 'identity:DedupeField' },
        { source: 'firstName', target: 'firstName' },
        { source: 'lastName', target: 'lastName' },
      ]));
      writeFileSync(join(dir, 'audiences.json'), JSON.stringify([{ id: 'aud-1', name: 'CLI audience' }]));
    });
    afterEach(async () => {
      await sandbox.stop();
      for (const key of ENV_KEYS) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
    });

    const args = (extra: string[] = []) => [
      'run', '--config', join(dir, 'settings.json'), '--mappings', join(dir, 'mappings.json'), '--audiences', join(dir, 'audiences.json'),
      '--profiles', join(dir, 'profiles.ndjson'), '--report', join(dir, 'report.jsonl'), '--marketo-base-url', sandbox.url, '--batch-size', '2', ...extra,
    ];
    const line = (i: number, email: string, extra: Record<string, unknown> = {}) =>
      JSON.stringify({ recordId: `r-${i}`, identityMap: { Email: [{ id: email }] }, attributes: { firstName: `F${i}`, lastName: `L${i}`, ...extra }, segmentMembership: { ups: { 'aud-1': { status: 'realized' } } } });

    it('writes one report line per input profile and prints the summary', async () => {
      writeFileSync(join(dir, 'profiles.ndjson'), [line(1, 'ann.lee@example.com'), line(2, 'new.one@example.com'), '{ not json', '', line(4, 'raj.patel@example.com'), line(5, 'new.two@example.com')].join('\n'));
      const io = capture();
      const code = await main(args(), io);
      const report = readFileSync(join(dir, 'report.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(report.map((r) => [r.line, r.recordId, r.outcome])).to.deep.equal([
        [1, 'r-1', 'delivered'],
        [2, 'r-2', 'delivered'],
        [3, 'line:3', 'rejected'],
        [5, 'r-4', 'delivered'],
        [6, 'r-5', 'delivered'],
      ]);
      expect(code).to.equal(1); // one line was rejected
      expect(io.stdout.join('\n')).to.contain('received 5 · delivered 4 · skipped 0 · rejected 1');
      const list = sandbox.store.listByName('CLI audience')!;
      expect(list.members.size).to.equal(4);
    });

    it('sends retryable profiles again as the report advises', async () => {
      writeFileSync(join(dir, 'profiles.ndjson'), [line(1, 'ann.lee@example.com')].join('\n'));
      sandbox.inject({ method: 'GET', path: '/rest/v1/leads.json', code: '611', times: 4 }); // more than one delivery's attempts
      const io = capture();
      const waits: number[] = [];
      const deps = { pluginOptions: { retry: { maxAttempts: 2, baseDelayMs: 0, maxDelayMs: 5 } }, sleep: async (ms: number) => void waits.push(ms) };
      expect(await main(args(), io, deps)).to.equal(0);
      expect(waits).to.deep.equal([5, 5]);
      const [result] = readFileSync(join(dir, 'report.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { outcome: string });
      expect(result!.outcome).to.equal('delivered');
    });

    it('explains a missing file, bad JSON and missing credentials', async () => {
      writeFileSync(join(dir, 'profiles.ndjson'), line(1, 'a@example.com'));
      const missing = capture();
      expect(await main([...args(), '--config', join(dir, 'nope.json')], missing)).to.equal(2);
      expect(missing.stderr.join()).to.contain('nope.json does not exist');
      writeFileSync(join(dir, 'mappings.json'), '[{');
      const bad = capture();
      expect(await main(args(), bad)).to.equal(2);
      expect(bad.stderr.join()).to.match(/mappings file .* is not valid JSON/);
      delete process.env.MARKETO_CLIENT_SECRET;
      const creds = capture();
      expect(await main(args(), creds)).to.equal(2);
      expect(creds.stderr.join()).to.contain('Set MARKETO_CLIENT_SECRET');
    });
  });
});
