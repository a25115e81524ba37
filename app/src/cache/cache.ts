import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { Scripts } from '../redis/scripts.ts';
import type { Tracing } from '../telemetry/tracing.ts';

export interface CacheEntry<T> {
  value: T;
  hit: boolean;
}

export interface CacheEvents {
  hit(): void;
  miss(): void;
  /** A Redis failure the cache absorbed by falling back to the loader. */
  error(operation: string, error: unknown): void;
}

export interface CacheOptions {
  ttlSeconds: number;
  /** How long one replica may hold the fill lock before others give up waiting and load themselves. */
  lockMs: number;
  /** How often a waiting replica checks whether the holder has filled the entry. */
  pollMs: number;
}

/** How a wait for another replica's fill lock ended: it filled the entry, the lock became ours, or neither. */
type LockWait<T> = { filled: T } | { acquired: boolean };

export interface Cache {
  getOrLoad<T>(key: string, load: () => Promise<T>): Promise<CacheEntry<T>>;
}

/**
 * Cache-aside with single-flight at two levels: one loader per key per process (a shared promise)
 * and one per key across the fleet (a Redis lock that other replicas wait on). Keys always embed
 * the owner, and a Redis failure falls back to the caller's own loader, so an outage can cost
 * time but never serve one user another's data. With `tracing`, a wait for another replica's lock
 * is a span of its own.
 */
export function createCache(redis: Redis, scripts: Scripts, options: CacheOptions, events: CacheEvents, tracing?: Pick<Tracing, 'inSpan'>): Cache {
  const inFlight = new Map<string, Promise<CacheEntry<unknown>>>();
  const waiting: Tracing['inSpan'] = tracing ? (name, work) => tracing.inSpan(name, work) : (_name, work) => work();

  async function read<T>(key: string): Promise<T | null> {
    try {
      const raw = await redis.get(`cache:${key}`);
      return raw === null ? null : (JSON.parse(raw) as T);
    } catch (error) {
      events.error('cache.get', error);
      throw error;
    }
  }

  async function write(key: string, value: unknown): Promise<void> {
    try {
      // With `noeviction` a full Redis refuses writes; a missed cache fill must stay harmless.
      await redis.set(`cache:${key}`, JSON.stringify(value), 'EX', options.ttlSeconds);
    } catch (error) {
      events.error('cache.set', error);
    }
  }

  async function release(lockKey: string, owner: string): Promise<void> {
    try {
      await scripts.unlock(lockKey, owner);
    } catch (error) {
      events.error('cache.unlock', error);
    }
  }

  /** SET NX of the fill lock: true when it is ours, undefined when Redis failed (then nobody waits on it). */
  async function lock(lockKey: string, owner: string): Promise<boolean | undefined> {
    try {
      return (await redis.set(lockKey, owner, 'PX', options.lockMs, 'NX')) === 'OK';
    } catch (error) {
      events.error('cache.lock', error);
      return undefined;
    }
  }

  /**
   * Another replica holds the lock: poll for the entry it fills. Retrying the lock on every poll
   * means a holder that released it without filling the entry (its lookup failed, or a full Redis
   * refused the write) hands over at once, not at the deadline.
   */
  async function waitForHolder<T>(key: string, lockKey: string, owner: string, deadline: number): Promise<LockWait<T>> {
    for (;;) {
      if (Date.now() >= deadline) return { acquired: false };
      await sleep(options.pollMs);
      try {
        const filled = await read<T>(key);
        if (filled !== null) return { filled };
      } catch {
        return { acquired: false };
      }
      const acquired = await lock(lockKey, owner);
      if (acquired !== false) return { acquired: acquired === true };
    }
  }

  async function fill<T>(key: string, load: () => Promise<T>): Promise<CacheEntry<T>> {
    let cached: T | null;
    try {
      cached = await read<T>(key);
    } catch {
      return { value: await load(), hit: false };
    }
    if (cached !== null) {
      events.hit();
      return { value: cached, hit: true };
    }
    events.miss();
    const lockKey = `lock:${key}`;
    const owner = randomUUID();
    const deadline = Date.now() + options.lockMs;
    let acquired = await lock(lockKey, owner);
    if (acquired === false) {
      const waited = await waiting('cache.lock_wait', () => waitForHolder<T>(key, lockKey, owner, deadline));
      if ('filled' in waited) return { value: waited.filled, hit: false };
      acquired = waited.acquired;
    }
    if (acquired) {
      try {
        // Another replica may have filled the entry and let go of the lock between our last
        // read and our SET NX; checking again under the lock keeps the lookup to one per fill.
        const filled = await read<T>(key).catch(() => null);
        if (filled !== null) return { value: filled, hit: false };
        const value = await load();
        await write(key, value);
        return { value, hit: false };
      } finally {
        await release(lockKey, owner);
      }
    }
    // The holder is too slow, or Redis fails: serve this request from our own lookup.
    return { value: await load(), hit: false };
  }

  return {
    getOrLoad<T>(key: string, load: () => Promise<T>) {
      const pending = inFlight.get(key);
      if (pending) return pending as Promise<CacheEntry<T>>;
      const started = fill(key, load).finally(() => inFlight.delete(key));
      inFlight.set(key, started);
      return started;
    },
  };
}
