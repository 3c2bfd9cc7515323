import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tokenHash } from '../../src/auth/cache.js';
import { TtlCache } from '../../src/shared/ttl-cache.js';

describe('TtlCache', () => {
  it('hashes tokens with SHA-256 (base64url), never keeping them', () => {
    assert.equal(tokenHash('abc'), 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
  });

  it('expires entries at their expiry, not later', () => {
    let now = 1_000;
    const cache = new TtlCache<string>(10, () => now);
    cache.set('k', 'v', 2_000);
    assert.equal(cache.get('k'), 'v');
    now = 1_999;
    assert.equal(cache.get('k'), 'v');
    now = 2_000;
    assert.equal(cache.get('k'), undefined);
    cache.set('old', 'v', 1_500); // already past
    assert.equal(cache.size, 0);
  });

  it('is bounded, evicting the least recently used', () => {
    const cache = new TtlCache<number>(2, () => 0);
    cache.set('a', 1, 10);
    cache.set('b', 2, 10);
    cache.get('a');
    cache.set('c', 3, 10);
    assert.equal(cache.size, 2);
    assert.equal(cache.get('b'), undefined);
    assert.equal(cache.get('a'), 1);
    assert.equal(cache.get('c'), 3);
  });

  it('single-flight: concurrent misses share one load', async () => {
    const cache = new TtlCache<string>(10);
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const load = async () => {
      calls++;
      await gate;
      return { value: 'identity', expiresAt: Date.now() + 60_000 };
    };
    const all = Promise.all(Array.from({ length: 50 }, () => cache.getOrLoad('k', load)));
    release();
    assert.deepEqual(new Set(await all), new Set(['identity']));
    assert.equal(calls, 1);
    assert.equal(await cache.getOrLoad('k', load), 'identity');
    assert.equal(calls, 1);
  });

  it('failures reach every waiter and are not cached', async () => {
    const cache = new TtlCache<string>(10);
    let calls = 0;
    const failing = async (): Promise<{ value: string; expiresAt: number }> => {
      calls++;
      throw new Error('upstream down');
    };
    const results = await Promise.allSettled([cache.getOrLoad('k', failing), cache.getOrLoad('k', failing)]);
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
    assert.equal(calls, 1);
    assert.equal(cache.size, 0);
    await assert.rejects(cache.getOrLoad('k', failing));
    assert.equal(calls, 2);
  });
});
