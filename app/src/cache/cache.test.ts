import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, registerAndLogin, testApp, type TestApp } from '../../test/support/harness.ts';
import { registerScripts } from '../redis/scripts.ts';
import { createCache, type CacheEvents } from './cache.ts';

const silentEvents = (): CacheEvents & { errors: string[] } => {
  const errors: string[] = [];
  return { errors, hit: () => undefined, miss: () => undefined, error: (operation) => errors.push(operation) };
};

describe('profile cache (cache-aside on Redis)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({ env: { CACHE_TTL_SECONDS: '30' } });
  });
  afterAll(() => t.close());

  it('misses, then hits, with a stable ETag, private caching and 304 on If-None-Match', async () => {
    const { token, username } = await registerAndLogin(t);
    const first = await t.http.get('/profile').set(bearer(token)).expect(200);
    expect(first.headers['x-cache']).toBe('MISS');
    expect(first.headers['cache-control']).toBe('private, no-cache');
    expect(first.body).toMatchObject({ username });
    const second = await t.http.get('/profile').set(bearer(token)).expect(200);
    expect(second.headers['x-cache']).toBe('HIT');
    expect(second.headers.etag).toBe(first.headers.etag);
    expect(second.body).toEqual(first.body);
    const notModified = await t.http.get('/profile').set(bearer(token)).set('If-None-Match', first.headers.etag!).expect(304);
    expect(notModified.text).toBe('');
    await t.http.get('/profile').set(bearer(token)).set('If-None-Match', '"something-else"').expect(200);
    expect(await t.redis.ttl(`cache:profile:${username}`)).toBeGreaterThan(20);
    const hits = await t.metrics.cacheHits.get();
    expect(hits.values[0]?.value).toBeGreaterThanOrEqual(2);
  });

  it('keeps every user to their own entry', async () => {
    const alice = await registerAndLogin(t);
    const bob = await registerAndLogin(t);
    const [a, b] = await Promise.all([
      t.http.get('/profile').set(bearer(alice.token)),
      t.http.get('/profile').set(bearer(bob.token)),
    ]);
    expect(a.body).toMatchObject({ username: alice.username });
    expect(b.body).toMatchObject({ username: bob.username });
  });

  it('falls back to the caller’s own loader when Redis fails, never to someone else’s entry', async () => {
    const dead = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    dead.on('error', () => undefined);
    const events = silentEvents();
    const cache = createCache(dead, registerScripts(dead), { ttlSeconds: 10, lockMs: 200, pollMs: 10 }, events);
    const entry = await cache.getOrLoad('profile:carol', async () => ({ owner: 'carol' }));
    expect(entry).toEqual({ value: { owner: 'carol' }, hit: false });
    expect(events.errors).toContain('cache.get');
    dead.disconnect();
  });

  it('shares one load per key within a process', async () => {
    const events = silentEvents();
    const cache = createCache(t.redis, registerScripts(t.redis), { ttlSeconds: 10, lockMs: 1000, pollMs: 10 }, events);
    let loads = 0;
    const load = async () => {
      loads += 1;
      await new Promise((resolve) => setTimeout(resolve, 30));
      return { n: loads };
    };
    const results = await Promise.all(Array.from({ length: 10 }, () => cache.getOrLoad('single-flight', load)));
    expect(loads).toBe(1);
    expect(results.every((r) => r.value.n === 1)).toBe(true);
  });

  it('loads by itself when the replica holding the lock never fills the entry', async () => {
    const events = silentEvents();
    const cache = createCache(t.redis, registerScripts(t.redis), { ttlSeconds: 10, lockMs: 150, pollMs: 10 }, events);
    await t.redis.set('lock:orphan', 'a replica that died', 'PX', 150);
    const started = Date.now();
    const entry = await cache.getOrLoad('orphan', async () => 'loaded here');
    expect(entry.value).toBe('loaded here');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(await t.redis.get('lock:orphan')).toBeNull();
  });

  it('waits for the lock holder on another replica instead of loading again', async () => {
    const cache = createCache(t.redis, registerScripts(t.redis), { ttlSeconds: 10, lockMs: 2000, pollMs: 10 }, silentEvents());
    await t.redis.set('lock:waited', 'another replica', 'PX', 2000);
    setTimeout(() => void t.redis.set('cache:waited', JSON.stringify('filled elsewhere'), 'EX', 10), 60);
    let loaded = false;
    const entry = await cache.getOrLoad('waited', async () => {
      loaded = true;
      return 'loaded here';
    });
    expect(entry).toEqual({ value: 'filled elsewhere', hit: false });
    expect(loaded).toBe(false);
  });

  it('takes over at once when the holder releases the lock without filling the entry', async () => {
    const cache = createCache(t.redis, registerScripts(t.redis), { ttlSeconds: 10, lockMs: 2000, pollMs: 10 }, silentEvents());
    await t.redis.set('lock:released', 'a replica whose lookup failed', 'PX', 2000);
    setTimeout(() => void t.redis.del('lock:released'), 50);
    const started = Date.now();
    const entry = await cache.getOrLoad('released', async () => 'loaded here');
    expect(entry.value).toBe('loaded here');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await t.redis.get('cache:released')).toBe(JSON.stringify('loaded here'));
  });
});
