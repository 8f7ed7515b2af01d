/**
 * A small time-bounded, size-bounded cache for credential lookups. Unknown key ids are
 * cached too (so a flood of made-up ids costs one lookup each, not one per request), and
 * the size cap keeps such a flood from growing memory without end: past `maxEntries`
 * the oldest entry goes (insertion order; a refreshed entry moves to the back).
 */
export class BoundedCache<K, V> {
  private readonly entries = new Map<K, { at: number; value: V }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number,
  ) {}

  /** The value if present and fresh; `undefined` when absent or stale (then dropped). */
  get(key: K): { value: V } | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (this.now() - hit.at >= this.ttlMs) {
      this.entries.delete(key);
      return undefined;
    }
    return { value: hit.value };
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, { at: this.now(), value });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
