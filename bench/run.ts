/**
 * `npm run bench`: builds the plugin, then prints the figures of each section. It never passes
 * or fails: the goals are in the issues and bench/README.md, the figures here.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { Section } from './section.js';

/** The sections, in order: `--only` takes the name or the number; each module's default export runs it. */
const SECTIONS: Section[] = [
  { name: 'efficiency', module: 'api-efficiency', title: 'API efficiency: calls by operation against the sandbox, deliveries of 10 000 profiles', summary: 'calls against SPEC §5 minimums (per delivery and as one delivery), lead cache off' },
  { name: 'rate', module: 'rate-ceiling', title: 'Rate ceiling: sandbox limits scaled to 100 calls per 2 s, 10 concurrent', summary: 'pace against the ceiling at 40 ms and at 2 s a call; 606/615 answers' },
  { name: 'streaming', module: 'streaming', title: 'Streaming: 8 concurrent deliverers of 100-profile deliveries, limits scaled to 100 calls per 2 s, 10 concurrent', summary: 'one process: calls vs minimum and vs one at a time, utilisation, deliver p50/p99' },
  { name: 'cluster', module: 'cluster', title: 'Cluster: worker processes sharing Redis, limits scaled to 100 calls per 2 s, 10 concurrent, 40 ms a call', summary: '1, 2 and 4 worker processes: calls per window, utilisation, 606/615, identity calls' },
  { name: 'steady', module: 'steady-state', title: 'Steady state (incremental sync): re-deliveries of 10 000 profiles, lead cache on and off', summary: 'calls per re-delivery vs the changed work, cache on vs off; cache bytes per entry' },
  { name: 'backfill', module: 'backfill', title: 'Backfill: an audience\'s first load through Bulk Lead Import, against the REST path', summary: 'calls against the REST minimum, modelled time at Marketo\'s limits, peak RSS at 100 000 and 1 000 000 profiles' },
  { name: 'cpu', module: 'cpu', title: 'CPU: network stubbed in-process, batches of 1 000 profiles, each run in a fresh process', summary: 'profiles/s (median and spread of runs) and peak RSS of the compiled build' },
];

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string', multiple: true },
    'no-build': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

const root = new URL('..', import.meta.url);

if (values.help) {
  console.log(`npm run bench [-- options]

Builds the plugin (npm run build) and prints the figures of each section, measured on the
compiled build in dist/. It never passes or fails.

Options:
  --quick            smaller workloads and fewer setups (about 3 minutes)
  --only <section>   run only this section (repeat, or separate with commas); by name or number
  --no-build         measure the dist/ already there (said so in the output)
  -h, --help         this text

Sections:
${SECTIONS.map((s, i) => `  ${i + 1}. ${s.name.padEnd(11)} ${s.summary}`).join('\n')}

See bench/README.md for what each figure means and how it is computed.`);
  process.exit(0);
}

const wanted = (values.only ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
const unknown = wanted.filter((w) => !SECTIONS.some((s, i) => s.name === w || String(i + 1) === w));
if (unknown.length > 0) {
  console.error(`Unknown section(s): ${unknown.join(', ')}. Sections: ${SECTIONS.map((s) => s.name).join(', ')}.`);
  process.exit(2);
}
const chosen = SECTIONS.map((section, i) => ({ section, number: i + 1 })).filter(({ section, number }) => wanted.length === 0 || wanted.includes(section.name) || wanted.includes(String(number)));

if (!values['no-build']) {
  // The figures are those of the compiled build a host runs: build it first.
  process.stderr.write('Building dist/ (npm run build)…\n');
  const build = spawnSync('npm', ['run', 'build'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) {
    process.stderr.write(`${build.stdout}${build.stderr}\nThe build failed: nothing measured.\n`);
    process.exit(1);
  }
}

function git(...args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

const commit = git('rev-parse', '--short', 'HEAD');
const changed = git('status', '--porcelain', '--', 'src', 'manifest', 'package.json', 'tsconfig.json', 'tsconfig.build.json');
const built = values['no-build'] ? 'dist/ as found (--no-build)' : `dist/ built now from ${commit ?? 'an unknown commit'}${changed ? ' with uncommitted changes' : ''}`;
const machine = `${availableParallelism()} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${process.platform}`;

console.log(`Marketo Engage destination — benchmark (${new Date().toISOString()}${values.quick ? ', --quick' : ''})`);
console.log(`Measured: the compiled build (${built}), Node ${process.version}`);
console.log(`Machine:  ${machine}; load average ${loadavg()[0]!.toFixed(2)} at the start (timings suffer when others share the CPUs)`);
const started = performance.now();
for (const { section, number } of chosen) {
  console.log(`\n${number}. ${section.title}`);
  const sectionStarted = performance.now();
  // Each section in a fresh process, so that no section's heap or warm-up weighs on another's
  // figures, and `--only` prints what a full run does. It takes the plugin from dist/.
  const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./section-main.ts', import.meta.url)), section.module, ...(values.quick ? ['--quick'] : [])], {
    stdio: 'inherit',
  });
  if (child.status !== 0) console.log(`   (section ${number} ended with ${child.signal ?? `exit code ${child.status}`}: its figures are incomplete)`);
  process.stderr.write(`   [section ${number} took ${((performance.now() - sectionStarted) / 1000).toFixed(0)} s]\n`);
}
console.log(`\n(${((performance.now() - started) / 60_000).toFixed(1)} min; load average ${loadavg()[0]!.toFixed(2)} at the end)`);
