import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { main } from '../../src/cli/main.js';
import { capture } from './helpers.js';

describe('command line', () => {
  it('npm start runs the demo as a process that prints each use case and exits 0 on its own', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'demo'], { timeout: 60_000 });
    for (const title of ['1. Re-engage known prospects only', '2. Re-engage and update known prospects', '3. Re-engage and extend reach', '4. Keep profiles fresh']) {
      expect(stdout).to.contain(title);
    }
    expect(stdout).to.contain('newest of 2 duplicates');
    expect(stdout).to.contain('created lead');
    expect(stdout).to.contain('NO_MATCHING_LEAD');
    expect(stdout.match(/report: received 4/g)).to.have.length(4);
  });

  it('demo counts what changed in Marketo, not what was confirmed: removing a non-member removes nobody', async () => {
    const io = capture();
    expect(await main(['demo'], io)).to.equal(0);
    const third = io.stdout.join('\n').split('\n3. ')[1]!.split('\n4. ')[0]!;
    expect(third).to.contain('jo.smith@example.com       lead 106 (Default); updated productInterest: null → "Email"; not in list, nothing to remove');
    expect(third).to.contain('in Marketo: 1 lead(s) created · 3 lead(s) changed · 3 joined the list · 0 left it');
    const first = io.stdout.join('\n').split('\n1. ')[1]!.split('\n2. ')[0]!;
    expect(first).to.contain('in Marketo: 0 lead(s) created · 0 lead(s) changed · 2 joined the list · 1 left it');
  });

  it('prints help for every command, with -h, --help and help <command>', async () => {
    const commands = ['demo', 'run', 'sandbox', 'validate-manifest'];
    const lines = [[], ['-h'], ['--help'], ['help'], ...commands.flatMap((c) => [[c, '--help'], [c, '-h'], ['help', c]])];
    for (const argv of lines) {
      const io = capture();
      expect(await main(argv, io), argv.join(' ')).to.equal(0);
      expect(io.stdout.join('\n'), argv.join(' ')).to.match(/^Usage: marketo-destination/);
    }
    const run = capture();
    await main(['run', '-h'], run);
    expect(run.stdout.join('\n')).to.contain('--max-unavailable-batches N').and.to.contain('4  stopped early');
  });

  it('prints the version of the package', async () => {
    const io = capture();
    expect(await main(['--version'], io)).to.equal(0);
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(io.stdout).to.deep.equal([version]);
  });

  it('refuses an unknown command, an unknown option and a stray argument with exit code 2', async () => {
    for (const argv of [['deploy'], ['demo', '--fast'], ['sandbox', 'extra'], ['validate-manifest', 'a.json', 'b.json']]) {
      const io = capture();
      expect(await main(argv, io), argv.join(' ')).to.equal(2);
      expect(io.stderr.join('\n')).to.match(/^error: (Unknown command|Unknown option|Unexpected argument)/);
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
    rmSync(dir, { recursive: true, force: true });
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
    rmSync(dir, { recursive: true, force: true });
  });
});
