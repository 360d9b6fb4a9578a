/**
 * A short shared cache for data fetched over SSH: many viewers of one page within the TTL
 * cost one fetch, and concurrent requests for the same key share one in-flight fetch.
 * Failures are not kept beyond their in-flight life, so the next view retries.
 */
export class FetchCache {
  readonly #entries = new Map<string, { at: number; value: Promise<unknown>; settled: boolean }>();
  #fetches = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** How many fetches actually ran (for tests and the status line). */
  get fetches(): number {
    return this.#fetches;
  }

  get<T>(key: string, fetch: () => Promise<T>, ttlMs = this.ttlMs): Promise<T> {
    const hit = this.#entries.get(key);
    if (hit && (!hit.settled || this.now() - hit.at < ttlMs)) return hit.value as Promise<T>;
    this.#fetches++;
    const entry = { at: this.now(), value: Promise.resolve() as Promise<unknown>, settled: false };
    const value = (async () => fetch())().then(
      (v) => {
        entry.settled = true;
        entry.at = this.now();
        return v;
      },
      (err: unknown) => {
        if (this.#entries.get(key) === entry) this.#entries.delete(key);
        throw err;
      },
    );
    entry.value = value;
    this.#entries.set(key, entry);
    this.#prune();
    return value;
  }

  /** Drops settled entries well past any TTL so a long-running server does not grow. */
  #prune(): void {
    if (this.#entries.size < 256) return;
    const cutoff = this.now() - 10 * this.ttlMs;
    for (const [k, e] of this.#entries) if (e.settled && e.at < cutoff) this.#entries.delete(k);
  }
}
