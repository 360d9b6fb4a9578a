/**
 * The one seam between deploy and wall time: waits (health polls, lock backoff, batch
 * delays) and the times written to the ledger go through a `Clock`, so a test can hand
 * in its own and nothing in src/tasks reads `Date.now()` or calls `setTimeout` itself.
 */
export interface Clock {
  /** Milliseconds since the epoch, as `Date.now()`. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
};
