/**
 * Host connections for a long-running server. The run-scoped pool keeps a failed connect
 * failed for good (right for a CLI run, wrong for a dashboard left open for days), so each
 * host gets its own pool: a host that fails is shown unreachable and its pool is replaced,
 * at most once per retry interval, so a restarted host comes back without a restart of
 * `deploy ui` and a dead one does not get a connect per page view.
 */
import type { Inventory } from '../inventory/model.js';
import { HostError } from '../shared/errors.js';
import {
  createPool,
  type HostPool,
  type PoolOptions,
  type RemoteForward,
  type Transport,
} from '../transport/index.js';

export class HostConnections implements HostPool {
  readonly #pools = new Map<string, { pool: HostPool; failedAt?: number; error?: HostError }>();

  constructor(
    private readonly inventory: Inventory,
    private readonly options: PoolOptions,
    private readonly retryMs = 5_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Runs `use` with the host's transport; a HostError marks the host for a fresh pool. */
  async with<T>(host: string, use: (t: Transport, pool: HostPool) => Promise<T>): Promise<T> {
    let slot = this.#pools.get(host);
    if (slot?.error && slot.failedAt !== undefined) {
      if (this.now() - slot.failedAt < this.retryMs) throw slot.error;
      void slot.pool.closeAll().catch(() => undefined);
      slot = undefined;
    }
    if (!slot) {
      slot = { pool: createPool(this.inventory, this.options) };
      this.#pools.set(host, slot);
    }
    const current = slot;
    try {
      return await use(current.pool.get(host), current.pool);
    } catch (err) {
      if (err instanceof HostError && !current.error) {
        current.error = err;
        current.failedAt = this.now();
      }
      throw err;
    }
  }

  /** A transport whose every command goes through `with`, so tasks code can use it as is. */
  get(host: string): Transport {
    return {
      host,
      exec: (argv, options) => this.with(host, (t) => t.exec(argv, options)),
      close: async () => undefined,
    };
  }

  async connect(host: string): Promise<void> {
    await this.with(host, (_t, pool) => pool.connect(host));
  }

  remoteForward(host: string, to: { address: string; port: number }): Promise<RemoteForward> {
    return this.with(host, (_t, pool) => pool.remoteForward(host, to));
  }

  connectionsOpened(host: string): number {
    return this.#pools.get(host)?.pool.connectionsOpened(host) ?? 0;
  }

  async closeAll(): Promise<void> {
    await Promise.all(
      [...this.#pools.values()].map((s) => s.pool.closeAll().catch(() => undefined)),
    );
    this.#pools.clear();
  }
}
