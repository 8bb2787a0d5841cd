import 'reflect-metadata';
import { measureApiEfficiency } from './api-efficiency.js';
import { execFileSync } from 'node:child_process';
import type { CpuResult } from './cpu.js';
import type { CallCounts } from './minimum.js';
import { measureRateCeiling } from './rate-ceiling.js';

/** `npm run bench`: prints the figures; it never passes or fails. */
const quick = process.argv.includes('--quick');
const sum = (c: CallCounts) => c.lookup + c.update + c.create + c.listAdd + c.listRemove;
const pad = (cells: Array<string | number>, widths: number[]) => cells.map((c, i) => String(c).padStart(widths[i]!)).join('  ');

console.log(`Marketo Engage destination — benchmark (${new Date().toISOString()}, Node ${process.version})\n`);

console.log('1. API efficiency: calls by operation, against the sandbox, deliveries of 10 000 profiles');
const widths = [9, 11, 8, 8, 8, 8, 8, 8, 10];
console.log(pad(['profiles', 'strategy', 'lookup', 'update', 'create', 'add', 'remove', 'total', 'vs min'], widths));
for (const count of quick ? [10_000] : [10_000, 100_000]) {
  const r = await measureApiEfficiency(count);
  const row = (name: string, c: CallCounts) =>
    console.log(pad([count, name, c.lookup, c.update, c.create, c.listAdd, c.listRemove, sum(c), `${(sum(c) / sum(r.minimum)).toFixed(3)}×`], widths));
  row('minimum', r.minimum);
  row('plugin', r.actual);
  row('per-record', r.perRecord);
  console.log(`${''.padStart(9)}  (${r.deliveries} deliveries in ${r.seconds.toFixed(1)} s; ${(sum(r.actual) / count).toFixed(3)} calls per profile)`);
}

console.log('\n2. Rate ceiling: sandbox limits scaled to 100 calls per 2 s, 10 concurrent, 40 ms a call');
const rate = await measureRateCeiling(quick ? 20_000 : 60_000);
console.log(`   calls ${rate.calls} in ${rate.seconds.toFixed(2)} s (ideal ${rate.idealSeconds.toFixed(2)} s): ${rate.callsPerSecond.toFixed(1)} calls/s of a ${rate.ceilingPerSecond} calls/s ceiling`);
console.log(`   time efficiency ${((rate.idealSeconds / rate.seconds) * 100).toFixed(1)} % of the ideal; 606 answers ${rate.rateLimited}, 615 answers ${rate.concurrencyLimited}; peak concurrency ${rate.maxInFlight}`);

console.log('\n3. CPU: network stubbed in-process, batches of 1 000 profiles, in a fresh process');
// In a fresh process: the sandbox and workloads above would otherwise dominate its peak RSS.
const cpu = JSON.parse(
  execFileSync(process.execPath, ['--import', 'tsx', new URL('./cpu.ts', import.meta.url).pathname, '--child', String(quick ? 100_000 : 1_000_000)], { encoding: 'utf8' }),
) as CpuResult;
console.log(`   ${Math.round(cpu.profilesPerSecond).toLocaleString('en-US')} profiles/s over ${cpu.streamed.toLocaleString('en-US')} profiles`);
console.log(`   peak RSS: ${cpu.rssMb.map((r) => `${r.mb} MB after ${r.after.toLocaleString('en-US')}`).join(', ')}`);
