import { describe, expect, it } from 'vitest';
import { FetchCache } from '../../../src/ui/cache.js';

describe('FetchCache', () => {
  it('shares one in-flight fetch between concurrent callers', async () => {
    const cache = new FetchCache(1000);
    let calls = 0;
    let release!: (v: number) => void;
    const fetch = () => {
      calls++;
      return new Promise<number>((r) => (release = r));
    };
    const all = Promise.all([cache.get('k', fetch), cache.get('k', fetch), cache.get('k', fetch)]);
    release(42);
    expect(await all).toEqual([42, 42, 42]);
    expect(calls).toBe(1);
    expect(cache.fetches).toBe(1);
  });

  it('serves from cache within the TTL and fetches again after it', async () => {
    let now = 0;
    const cache = new FetchCache(3000, () => now);
    let calls = 0;
    const fetch = async () => ++calls;
    expect(await cache.get('k', fetch)).toBe(1);
    now = 2999;
    expect(await cache.get('k', fetch)).toBe(1);
    now = 6000;
    expect(await cache.get('k', fetch)).toBe(2);
    expect(await cache.get('other', fetch)).toBe(3);
  });

  it('does not keep failures: the next caller retries', async () => {
    const cache = new FetchCache(60_000);
    let calls = 0;
    const fetch = async () => {
      calls++;
      if (calls === 1) throw new Error('host down');
      return 'up';
    };
    await expect(cache.get('k', fetch)).rejects.toThrow('host down');
    expect(await cache.get('k', fetch)).toBe('up');
  });

  it('a per-call TTL overrides the default', async () => {
    let now = 0;
    const cache = new FetchCache(10_000, () => now);
    let calls = 0;
    const fetch = async () => ++calls;
    await cache.get('k', fetch, 1000);
    now = 1500;
    expect(await cache.get('k', fetch, 1000)).toBe(2);
  });
});
