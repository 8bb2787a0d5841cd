import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NAME = 'marketo-engage-destination';

/** Runs a command to its end; a failure carries its output, so the test says what went wrong. */
async function run(command: string, args: string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  try {
    return await promisify(execFile)(command, args, { cwd, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}: ${(error as Error).message}\n${stdout}\n${stderr}`);
  }
}

const SETTINGS = { name: 'Packaging', munchkinId: '123-ABC-456', syncType: 'audience_only', dedupeField: 'email' };

/**
 * What a host does with the installed package: both entry points, the error classes, the
 * sandbox started, a token from it, a connect through the plugin, everything stopped again.
 */
const HOST_SESSION = `
  const errorClasses = ['AuthenticationError', 'ConfigValidationError', 'InvalidRequestError', 'ManifestError',
    'MappingValidationError', 'MarketoApiError', 'MarketoTransportError', 'PermissionError'];
  for (const name of errorClasses) if (typeof api[name] !== 'function') throw new Error(name + ' is not exported');
  const sandbox = await sandboxApi.startSandbox();
  const { clientId, clientSecret } = sandboxApi.SANDBOX_CREDENTIALS;
  const answer = await fetch(sandbox.url + '/identity/oauth/token?grant_type=client_credentials&client_id=' + clientId + '&client_secret=' + clientSecret);
  const token = await answer.json();
  if (answer.status !== 200 || typeof token.access_token !== 'string') throw new Error('no token: ' + answer.status);
  const plugin = api.createPlugin({ marketoBaseUrl: sandbox.url });
  const { config } = await plugin.connect({ credentials: sandboxApi.SANDBOX_CREDENTIALS, config: ${JSON.stringify(SETTINGS)} });
  await plugin.teardown();
  await sandbox.stop();
  console.log('connected ' + config.munchkinId + ', seeded leads ' + sandboxApi.DEFAULT_SEED.leads.length);
`;

describe('the package as a host installs it (npm pack, then npm install in a folder of its own)', function () {
  this.timeout(300_000);
  let work: string;
  let tarball: string;
  let host: string;
  let installed: string;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'mkto-package-'));
    // `npm pack` runs `prepare`, so the tarball holds a fresh build of the sources under test.
    await run('npm', ['pack', '--pack-destination', work], ROOT);
    const packed = readdirSync(work).filter((f) => f.endsWith('.tgz'));
    expect(packed).to.have.length(1);
    tarball = join(work, packed[0]!);
    host = join(work, 'host');
    mkdirSync(host);
    writeFileSync(join(host, 'package.json'), JSON.stringify({ name: 'host-app', version: '1.0.0', private: true }));
    await run('npm', ['install', tarball, '--no-audit', '--no-fund', '--prefer-offline', '--no-package-lock'], host);
    installed = join(host, 'node_modules', NAME);
  });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('passes publint (strict) and arethetypeswrong', async () => {
    await run(join(ROOT, 'node_modules', '.bin', 'publint'), ['run', tarball, '--strict'], ROOT);
    // .attw.json: CommonJS resolving to ESM is how CommonJS hosts load this package (require(esm)).
    await run(join(ROOT, 'node_modules', '.bin', 'attw'), [tarball, '--config-path', join(ROOT, '.attw.json')], ROOT);
  });

  it('ships the build, the manifest, the docs, the licence and the changelog, and no source map', () => {
    for (const file of ['LICENSE', 'README.md', 'CHANGELOG.md', 'manifest/destination.json', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/sandbox/index.js']) {
      expect(existsSync(join(installed, file)), file).to.equal(true);
    }
    const maps = readdirSync(join(installed, 'dist'), { recursive: true }).map(String).filter((f) => f.endsWith('.map'));
    expect(maps).to.deep.equal([]);
    expect(existsSync(join(installed, 'test'))).to.equal(false);
  });

  it('loads with import() from an ES module host, both entry points', async () => {
    writeFileSync(
      join(host, 'esm-host.mjs'),
      `import * as api from '${NAME}';\nimport * as sandboxApi from '${NAME}/sandbox';\n${HOST_SESSION}`,
    );
    const { stdout } = await run(process.execPath, ['esm-host.mjs'], host);
    expect(stdout).to.contain('connected 123-ABC-456, seeded leads 8');
  });

  it('loads with require() from a CommonJS host, as the very module instance that import() gives', async () => {
    writeFileSync(
      join(host, 'cjs-host.cjs'),
      `const api = require('${NAME}');\nconst sandboxApi = require('${NAME}/sandbox');\n(async () => {\n` +
        `  const esm = await import('${NAME}');\n` +
        `  if (esm.createPlugin !== api.createPlugin || esm.MarketoApiError !== api.MarketoApiError) throw new Error('two module instances');\n` +
        `${HOST_SESSION}\n})().catch((error) => { console.error(error); process.exit(1); });\n`,
    );
    const { stdout } = await run(process.execPath, ['cjs-host.cjs'], host);
    expect(stdout).to.contain('connected 123-ABC-456, seeded leads 8');
  });

  it('type-checks in TypeScript hosts compiled as CommonJS and as ES modules (module nodenext)', async () => {
    const uses = `
const plugin: api.MarketoDestinationPlugin = api.createPlugin({ limits: { batchSize: 300 } });
const failure: InstanceType<typeof api.MarketoApiError> | InstanceType<typeof api.MarketoTransportError> | undefined = undefined;
const report: api.DeliveryReport | undefined = undefined;
const running: Promise<sandboxApi.RunningSandbox> = sandboxApi.startSandbox({ seed: sandboxApi.DEFAULT_SEED });
void plugin; void failure; void report; void running;
`;
    writeFileSync(join(host, 'cjs-host.cts'), `import api = require('${NAME}');\nimport sandboxApi = require('${NAME}/sandbox');\n${uses}`);
    writeFileSync(join(host, 'esm-host.mts'), `import * as api from '${NAME}';\nimport * as sandboxApi from '${NAME}/sandbox';\n${uses}`);
    writeFileSync(
      join(host, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, types: ['node'], typeRoots: [join(ROOT, 'node_modules', '@types')] },
        files: ['cjs-host.cts', 'esm-host.mts'],
      }),
    );
    await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], host);
  });

  it('runs the marketo-destination command from the installed package', async () => {
    const bin = join(host, 'node_modules', '.bin', 'marketo-destination');
    const version = await run(bin, ['--version'], host);
    expect(version.stdout.trim()).to.match(/^\d+\.\d+\.\d+/);
    const manifest = await run(bin, ['validate-manifest'], host);
    expect(manifest.stdout).to.contain('The shipped manifest is valid');
    const demo = await run(bin, ['demo'], host);
    expect(demo.stdout).to.contain('All four use cases ran');
  });

  it('runs as the README says, with npx -p outside any checkout', async () => {
    const npxCache = join((await run('npm', ['config', 'get', 'cache'], work)).stdout.trim(), '_npx');
    try {
      const { stdout } = await run('npm', ['exec', '--yes', '--prefer-offline', '--package', tarball, '--', 'marketo-destination', '--help'], work);
      expect(stdout).to.match(/^Usage: marketo-destination/);
    } finally {
      // npx installs each new package spec into a folder of its own cache; this tarball's is of no further use.
      for (const entry of existsSync(npxCache) ? readdirSync(npxCache) : []) {
        const manifest = join(npxCache, entry, 'package.json');
        if (existsSync(manifest) && readFileSync(manifest, 'utf8').includes(basename(work))) rmSync(join(npxCache, entry), { recursive: true, force: true });
      }
    }
  });
});
