import pLimit from 'p-limit';

export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Runs `fn` for every item with at most `limit` in flight, lets every item run to
 * completion (one host failing never stops the others), and returns results in input order.
 */
export async function fanOut<I, T>(
  items: readonly I[],
  limit: number,
  fn: (item: I) => Promise<T>,
): Promise<Settled<T>[]> {
  const run = pLimit(Math.max(1, limit));
  return Promise.all(
    items.map((item) =>
      run(async (): Promise<Settled<T>> => {
        try {
          return { ok: true, value: await fn(item) };
        } catch (error) {
          return { ok: false, error };
        }
      }),
    ),
  );
}
