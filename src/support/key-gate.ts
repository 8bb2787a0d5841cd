/**
 * Lets a caller hold a set of keys exclusively. Used so that no two writes for the same dedupe
 * value run at once across concurrent deliveries: Marketo can create duplicate leads from
 * closely timed writes with the same key. All keys are taken together, so two callers can
 * never each hold part of what the other waits for.
 */
export class KeyGate {
  private readonly held = new Map<string, Promise<void>>();

  async acquire(keys: Iterable<string>): Promise<() => void> {
    const wanted = [...new Set(keys)];
    for (;;) {
      const busy = wanted.map((key) => this.held.get(key)).filter((p): p is Promise<void> => p !== undefined);
      if (busy.length === 0) break;
      await Promise.all(busy);
    }
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    for (const key of wanted) this.held.set(key, done);
    return () => {
      for (const key of wanted) if (this.held.get(key) === done) this.held.delete(key);
      release();
    };
  }
}
