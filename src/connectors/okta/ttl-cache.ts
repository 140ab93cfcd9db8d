/**
 * A small TTL cache whose entries are promises: concurrent callers for the same key share one
 * load, and failures are not cached (the next caller tries again).
 */

interface Entry<V> {
  value: Promise<V>;
  /** Infinity while the load is in flight; set when it resolves. */
  expiresAtMs: number;
}

export class TtlCache<V> {
  private readonly entries = new Map<string, Entry<V>>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
    /** Keys come from the app catalog, so this is a guard, not an expected limit. */
    private readonly maxEntries = 1000,
  ) {}

  getOrLoad(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    if (hit && hit.expiresAtMs > this.now()) return hit.value;

    const entry: Entry<V> = { value: load(), expiresAtMs: Infinity };
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    entry.value.then(
      () => {
        entry.expiresAtMs = this.now() + this.ttlMs;
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return entry.value;
  }

  clear(): void {
    this.entries.clear();
  }
}
