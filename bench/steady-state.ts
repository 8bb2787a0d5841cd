import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ProfileEvent } from '../src/types.js';
import type { SectionContext } from './section.js';
import { createLocalState, createPlugin, startSandbox } from './dist.js';
import { connectAndActivate, countsSince, thousands, times } from './measure.js';
import { changedWorkMinimum, deliveryCalls, totalOf, type CallCounts } from './minimum.js';
import { makeSteadyWorkload, type SteadyWorkload } from './workload.js';

interface DeliveryCalls {
  counts: CallCounts;
  unchanged: number;
  skipped: number;
  problems: number;
}

/** Delivers the first snapshot, then every re-delivery, each as one `deliver`, counting each one's calls. */
async function deliverAll(workload: SteadyWorkload, leadCache: boolean): Promise<DeliveryCalls[]> {
  const unlimited = { callsPerWindow: 1e9, windowMs: 20_000, maxConcurrent: 10, dailyQuota: 1e9 };
  const sandbox = await startSandbox({ seed: workload.seed, limits: unlimited });
  const plugin = createPlugin({ marketoBaseUrl: sandbox.url, limits: unlimited, localState: createLocalState(), ...(leadCache ? {} : { leadCache: false }) });
  try {
    const activationId = await connectAndActivate(plugin, workload.audiences);
    const results: DeliveryCalls[] = [];
    for (const profiles of [workload.first, ...workload.redeliveries.map((r) => r.profiles)] as ProfileEvent[][]) {
      const before = { ...sandbox.stats.byOperation };
      const { summary } = await plugin.deliver({ activationId, profiles });
      results.push({ counts: countsSince(before, sandbox.stats.byOperation), unchanged: summary.unchanged, skipped: summary.skipped, problems: summary.rejected + summary.retryable });
    }
    return results;
  } finally {
    await plugin.teardown();
    await sandbox.stop();
  }
}

/** The in-memory cache's heap per entry, filled and then evicting, measured in a fresh process (bench/cache-memory.ts). */
function cacheBytesPerEntry(entries: number): { filledBytesPerEntry: number; evictingBytesPerEntry: number } {
  const script = fileURLToPath(new URL('./cache-memory.ts', import.meta.url));
  const output = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', script, String(entries)], { encoding: 'utf8' });
  return JSON.parse(output) as { filledBytesPerEntry: number; evictingBytesPerEntry: number };
}

const pad = (cells: Array<string | number>, widths: number[]) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!))).join('  ');
const kinds = (c: CallCounts) => `${c.lookup}/${c.update}/${c.create}/${c.listAdd}/${c.listRemove}`;
const sum = (m: ReadonlyMap<string, number>) => [...m.values()].reduce((n, c) => n + c, 0);

/**
 * Incremental sync (SPEC §8.2): a first delivery of everyone, then re-deliveries of everyone in
 * which little changed; calls against the minimum of what changed, and against the same
 * re-deliveries with the lead cache off. Then the in-memory cache's size per entry.
 */
export default async function run({ quick, print }: SectionContext): Promise<void> {
  const count = 10_000;
  const workload = makeSteadyWorkload(count, quick ? 2 : 5);
  const probe = await startSandbox({ seed: workload.seed });
  const firstMinimum = deliveryCalls(workload.first, probe.store).minimum;
  await probe.stop();
  const cached = await deliverAll(workload, true);
  const uncached = await deliverAll(workload, false);

  print(`   ${thousands(count)} people (60 % existing leads, 5 % with two duplicate leads, 35 % new) in 2 audiences, each delivery one`);
  print('   deliver() of everyone, against the sandbox with no limits in the way. Each re-delivery changes one mapped field');
  print('   (the score) of 10 % of the people and flips 5 % of the memberships. "min": SPEC §5 applied to what changed only');
  print('   (updates of the changed leads, adds/removes of the flipped memberships, no lookups of known leads); goal ≤ 1.05×.');
  print('   "off ÷ on": the same deliveries with leadCache: false, against the cache on (goal ≥ 5×).');
  const widths = [15, 8, 8, 5, 8, 8, 9, 8, 9, 17];
  print(pad(['', 'changed', 'flipped', 'min', 'cache on', 'vs min', 'cache off', 'off ÷ on', 'unchanged', 'on, by kind*'], widths));
  const first = cached[0]!;
  print(
    pad(
      ['first delivery', thousands(count), '', totalOf(firstMinimum), totalOf(first.counts), times(totalOf(first.counts) / totalOf(firstMinimum)), totalOf(uncached[0]!.counts), times(totalOf(uncached[0]!.counts) / totalOf(first.counts)), first.unchanged, kinds(first.counts)],
      widths,
    ) + (first.problems + first.skipped > 0 ? ` — ${first.skipped} skipped, ${first.problems} rejected or retryable!` : ''),
  );
  workload.redeliveries.forEach((redelivery, i) => {
    const on = cached[i + 1]!;
    const off = uncached[i + 1]!;
    const minimum = changedWorkMinimum(redelivery.changedFields, redelivery.added, redelivery.removed);
    print(
      pad(
        [
          `re-delivery ${i + 1}`,
          thousands(redelivery.changedFields),
          `${sum(redelivery.added)}/${sum(redelivery.removed)}`,
          totalOf(minimum),
          totalOf(on.counts),
          times(totalOf(on.counts) / totalOf(minimum)),
          totalOf(off.counts),
          times(totalOf(off.counts) / totalOf(on.counts)),
          on.unchanged,
          kinds(on.counts),
        ],
        widths,
      ) + (on.problems + off.problems > 0 ? ` — ${on.problems + off.problems} rejected or retryable!` : ''),
    );
  });
  print('   * lookup/update/create/add/remove; "flipped": memberships flipped in/out; first delivery "min": SPEC §5 for it.');

  print();
  print('   In-memory lead cache (LocalLeadCache from dist/), each size in a fresh process run with --expose-gc: heap used');
  print('   plus typed arrays (where the cache keeps its entries, outside the heap) after filling it with realistic entries');
  print('   (a lead id, 4 field digests, 2 list states, recorded as deliveries do: fields, then lists), minus before, after a');
  print('   full GC each time, ÷ entries (goal ≤ 150 bytes). "Evicting": the full cache after half as many new leads again,');
  print('   each evicting the least recently used one.');
  for (const entries of quick ? [100_000] : [100_000, 1_000_000]) {
    const { filledBytesPerEntry, evictingBytesPerEntry } = cacheBytesPerEntry(entries);
    print(`   ${thousands(entries).padStart(9)} entries: ${Math.round(filledBytesPerEntry)} bytes per entry filled, ${Math.round(evictingBytesPerEntry)} evicting`);
  }
}
