/**
 * The in-memory lead cache's memory per entry, in a fresh process run with `--expose-gc`:
 * `cache-memory.ts <entries>` fills a LocalLeadCache (from dist/) with realistic entries the way
 * deliveries do — the field digests after a write, then the list states after the list calls —
 * and prints the memory growth per entry as JSON: the JavaScript heap and the typed arrays
 * outside it (where the cache keeps its entries) together.
 */
import { internals } from './dist.js';

const entries = Number(process.argv[2] ?? 100_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const heapUsed = () => {
  gc();
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
};

const { LocalLeadCache } = await internals.localLeadCache();
const { fieldDigest } = await internals.leadCache();
// The cache key as the plugin forms it: instance, dedupe field, dedupe value.
const keyOf = (i: number) => `123-ABC-456@127.0.0.1:43210|email|person${i}@bench.example.com`;
const BATCH = 1_000;

const before = heapUsed();
const cache = new LocalLeadCache({ maxEntries: entries, ttlMs: 86_400_000 }, Date.now);

/** Records leads [from, to) as deliveries do: four mapped fields written (a create or an update), then the lead's two lists. */
async function recordLeads(from: number, to: number): Promise<void> {
  for (let i = from; i < to; i += BATCH) {
    const ids = Array.from({ length: Math.min(BATCH, to - i) }, (_, j) => i + j);
    await cache.record(
      ids.map((n) => ({
        key: keyOf(n),
        leadId: 10_000_000 + n,
        fields: new Map([
          ['firstName', fieldDigest(`First${n % 997}`)],
          ['lastName', fieldDigest(`Last${n % 991}`)],
          ['leadScore', fieldDigest(n % 100)],
          ['city', fieldDigest(`City${n % 499}`)],
        ]),
      })),
    );
    await cache.record(ids.map((n) => ({ key: keyOf(n), leadId: 10_000_000 + n, lists: new Map([[1001, 'add' as const], [1002, n % 3 === 0 ? ('remove' as const) : ('add' as const)]]) })));
  }
}

// Filled once: every entry new, nothing evicted yet.
await recordLeads(0, entries);
const filled = heapUsed();
const filledSize = cache.size;
if (filledSize !== entries) throw new Error(`the cache holds ${filledSize} entries, not ${entries}`);
// Then as a full cache lives: half as many new leads again, each evicting the least recently used.
await recordLeads(entries, entries + entries / 2);
const evicting = heapUsed();
if (cache.size !== entries) throw new Error(`the cache holds ${cache.size} entries after evictions, not ${entries}`);
process.stdout.write(JSON.stringify({ entries, filledBytesPerEntry: (filled - before) / filledSize, evictingBytesPerEntry: (evicting - before) / entries }));
