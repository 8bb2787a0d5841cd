import type { WriteLease, WriteLocks } from '../shared-state.js';

/**
 * Write locks in process memory: every plugin instance of the process that writes to one
 * Marketo instance shares them, so two instances never write one dedupe value at once.
 */
export class LocalWriteLocks implements WriteLocks {
  private readonly held = new Set<string>();
  private waiters: Array<{ keys: readonly string[]; wake: () => void }> = [];

  async tryAcquire(keys: readonly string[]): Promise<{ lease: WriteLease; busy: string[] }> {
    const taken: string[] = [];
    const busy: string[] = [];
    for (const key of new Set(keys)) {
      if (this.held.has(key)) {
        busy.push(key);
      } else {
        this.held.add(key);
        taken.push(key);
      }
    }
    let released = false;
    const lease: WriteLease = {
      release: async () => {
        if (released) return;
        released = true;
        for (const key of taken) this.held.delete(key);
        this.wake(taken);
      },
    };
    return { lease, busy };
  }

  waitForRelease(keys: readonly string[], maxWaitMs: number): Promise<boolean> {
    if (keys.every((key) => !this.held.has(key))) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      // A local holder always releases (its work ends in a finally), but it may hold for long.
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, maxWaitMs);
      timer.unref();
      const waiter = {
        keys,
        wake: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      this.waiters.push(waiter);
    });
  }

  private wake(released: readonly string[]): void {
    if (released.length === 0) return;
    const freed = new Set(released);
    const woken = this.waiters.filter((w) => w.keys.some((key) => freed.has(key)));
    this.waiters = this.waiters.filter((w) => !woken.includes(w));
    for (const waiter of woken) waiter.wake();
  }
}
