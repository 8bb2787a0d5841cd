/** Marks an empty place in the hash index, and the end of the recency list. */
const NONE = -1;
const FIRST_CAPACITY = 1_024;
const FIRST_ARENA_BYTES = 64 * 1_024;
/** The most of the arena that live records may fill after a compaction. */
const ARENA_FILL = 0.75;

/**
 * An exact LRU map from a hashed key to a lead id, an expiry and a short byte record, held in
 * typed arrays: outside the JavaScript heap, so that a cache of a million entries neither adds
 * to what the garbage collector walks nor makes V8 grow its heap (V8 lets the heap reach a few
 * times its live size before it collects; typed arrays' memory is counted once).
 *
 * - A key is its 32-bit `slot` and a 53-bit `check`, two hashes of the key computed by the caller:
 *   two keys are one only if both agree.
 * - Entries live in parallel arrays indexed by entry number; an open-addressing hash index
 *   (linear probing, deletion by backward shift, so no tombstones) maps a slot to the entries.
 * - Recency is a doubly linked list through the entries (`older`/`newer`); the oldest goes
 *   first once `maxEntries` are held.
 * - Records are appended to one byte arena; a rewritten or deleted record leaves garbage there,
 *   and a full arena is compacted (grown first when live records would fill most of it).
 * - The arrays start small and double up to `maxEntries`.
 */
export class OffHeapLru {
  private capacity = 0;
  private count = 0;
  private slots = new Int32Array(0);
  private checks = new Float64Array(0);
  private leadIds = new Float64Array(0);
  private expiries = new Float64Array(0);
  private older = new Int32Array(0);
  private newer = new Int32Array(0);
  private offsets = new Uint32Array(0);
  private lengths = new Uint32Array(0);
  /** Entry numbers by slot; NONE where empty. Its size is a power of two, at least twice the capacity. */
  private index = new Int32Array(0);
  /** The first entry freed by a deletion, for reuse; the others follow through `newer`. */
  private firstFree = NONE;
  private oldest = NONE;
  private newest = NONE;
  private arena: Uint8Array = new Uint8Array(FIRST_ARENA_BYTES);
  private arenaUsed = 0;
  private arenaLive = 0;

  constructor(private maxEntries: number) {}

  get size(): number {
    return this.count;
  }

  /** A larger limit applies at once; a smaller one as entries are written. */
  setMaxEntries(maxEntries: number): void {
    this.maxEntries = maxEntries;
  }

  /** The entry of this key, or NONE. */
  find(slot: number, check: number): number {
    const mask = this.index.length - 1;
    if (mask < 0) return NONE;
    for (let at = slot & mask; ; at = (at + 1) & mask) {
      const entry = this.index[at]!;
      if (entry === NONE) return NONE;
      if (this.slots[entry] === slot && this.checks[entry] === check) return entry;
    }
  }

  leadId(entry: number): number {
    return this.leadIds[entry]!;
  }

  expiresAt(entry: number): number {
    return this.expiries[entry]!;
  }

  /** The entry's record: a view valid until the next write. */
  record(entry: number): Uint8Array {
    const offset = this.offsets[entry]!;
    return this.arena.subarray(offset, offset + this.lengths[entry]!);
  }

  /** Makes the entry the most recently used. */
  touch(entry: number): void {
    if (entry === this.newest) return;
    this.unlink(entry);
    this.linkNewest(entry);
  }

  /**
   * Writes the key's entry as the most recently used, evicting the least recently used past
   * `maxEntries`. `entry`: what `find` answered for the key, when the caller has just asked.
   */
  put(slot: number, check: number, leadId: number, expiresAt: number, record: Uint8Array, entry = this.find(slot, check)): void {
    if (entry === NONE) {
      while (this.count >= Math.max(1, this.maxEntries)) this.delete(this.oldest);
      entry = this.allocate();
      this.slots[entry] = slot;
      this.checks[entry] = check;
      this.insertIntoIndex(entry);
      this.linkNewest(entry);
    } else {
      this.arenaLive -= this.lengths[entry]!;
      this.lengths[entry] = 0;
      this.touch(entry);
    }
    this.leadIds[entry] = leadId;
    this.expiries[entry] = expiresAt;
    const offset = this.reserve(record.length);
    this.arena.set(record, offset);
    this.offsets[entry] = offset;
    this.lengths[entry] = record.length;
    this.arenaLive += record.length;
    // After a lower limit: the oldest beyond it go now.
    while (this.count > Math.max(1, this.maxEntries)) this.delete(this.oldest);
  }

  delete(entry: number): void {
    this.removeFromIndex(entry);
    this.unlink(entry);
    this.arenaLive -= this.lengths[entry]!;
    this.lengths[entry] = 0;
    this.newer[entry] = this.firstFree;
    this.firstFree = entry;
    this.count--;
  }

  private allocate(): number {
    this.count++;
    if (this.firstFree !== NONE) {
      const reused = this.firstFree;
      this.firstFree = this.newer[reused]!;
      return reused;
    }
    if (this.count > this.capacity) this.grow();
    return this.count - 1;
  }

  /** Twice the entries (at most `maxEntries`), and an index rebuilt at twice that size. */
  private grow(): void {
    const capacity = Math.max(1, Math.min(Math.max(FIRST_CAPACITY, this.capacity * 2), this.maxEntries));
    const widen = <A extends Int32Array | Uint32Array | Float64Array>(old: A, make: (n: number) => A): A => {
      const next = make(capacity);
      next.set(old);
      return next;
    };
    this.slots = widen(this.slots, (n) => new Int32Array(n));
    this.checks = widen(this.checks, (n) => new Float64Array(n));
    this.leadIds = widen(this.leadIds, (n) => new Float64Array(n));
    this.expiries = widen(this.expiries, (n) => new Float64Array(n));
    this.older = widen(this.older, (n) => new Int32Array(n));
    this.newer = widen(this.newer, (n) => new Int32Array(n));
    this.offsets = widen(this.offsets, (n) => new Uint32Array(n));
    this.lengths = widen(this.lengths, (n) => new Uint32Array(n));
    this.capacity = capacity;
    let size = 2;
    while (size < capacity * 2) size *= 2;
    this.index = new Int32Array(size).fill(NONE);
    // Growing means no freed entry was left to reuse: entries below the new one are all live.
    for (let entry = 0; entry < this.count - 1; entry++) this.insertIntoIndex(entry);
  }

  private insertIntoIndex(entry: number): void {
    const mask = this.index.length - 1;
    let at = this.slots[entry]! & mask;
    while (this.index[at] !== NONE) at = (at + 1) & mask;
    this.index[at] = entry;
  }

  /** Linear probing's deletion: later entries of the run move back into the hole, so lookups never stop early. */
  private removeFromIndex(entry: number): void {
    const mask = this.index.length - 1;
    let hole = this.slots[entry]! & mask;
    while (this.index[hole] !== entry) hole = (hole + 1) & mask;
    for (let at = (hole + 1) & mask; this.index[at] !== NONE; at = (at + 1) & mask) {
      const moved = this.index[at]!;
      const home = this.slots[moved]! & mask;
      // It moves into the hole unless its home lies after the hole (cyclically): a lookup
      // starting at its home would never pass the hole.
      if (((at - home) & mask) >= ((at - hole) & mask)) {
        this.index[hole] = moved;
        hole = at;
      }
    }
    this.index[hole] = NONE;
  }

  private unlink(entry: number): void {
    const before = this.older[entry]!;
    const after = this.newer[entry]!;
    if (before === NONE) this.oldest = after;
    else this.newer[before] = after;
    if (after === NONE) this.newest = before;
    else this.older[after] = before;
  }

  private linkNewest(entry: number): void {
    this.older[entry] = this.newest;
    this.newer[entry] = NONE;
    if (this.newest === NONE) this.oldest = entry;
    else this.newer[this.newest] = entry;
    this.newest = entry;
  }

  /**
   * Where `length` bytes can be written: after the last record, or after a compaction (into a
   * buffer half again as large while live records would fill more than three quarters of it).
   * Each compaction copies the live records once and frees at least a quarter of the buffer.
   */
  private reserve(length: number): number {
    if (this.arenaUsed + length > this.arena.length) {
      let size = this.arena.length;
      while (this.arenaLive + length > size * ARENA_FILL) size = Math.ceil(size * 1.5);
      // Always a new buffer: records are copied in recency order, not in the order they lie in.
      this.compactInto(new Uint8Array(size));
    }
    const offset = this.arenaUsed;
    this.arenaUsed += length;
    return offset;
  }

  /** Copies the live records, oldest first, to the start of `target`. */
  private compactInto(target: Uint8Array): void {
    let used = 0;
    for (let entry = this.oldest; entry !== NONE; entry = this.newer[entry]!) {
      const offset = this.offsets[entry]!;
      const length = this.lengths[entry]!;
      target.set(this.arena.subarray(offset, offset + length), used);
      this.offsets[entry] = used;
      used += length;
    }
    this.arena = target;
    this.arenaUsed = used;
  }
}
