import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from './support/redis-server.ts';
import { login, spawnService, waitUntil, type Service } from './support/service.ts';

/** Generous against REDIS_COMMAND_TIMEOUT_MS=300: the point is "fails fast", not a benchmark. */
const FAIL_FAST_BOUND_MS = 1500;

describe('Redis trouble, against a real server process and a real redis-server', () => {
  let redis: RedisServer;
  let service: Service;

  beforeAll(async () => {
    redis = await startRedisServer();
    service = await spawnService({ REDIS_URL: redis.url, REDIS_COMMAND_TIMEOUT_MS: '300' });
  });
  afterAll(async () => {
    await service.stop();
    await redis.stop();
  });

  const timed = async (path: string, token?: string) => {
    const started = Date.now();
    const res = await fetch(`${service.url}${path}`, token ? { headers: { Authorization: `Bearer ${token}` } } : {});
    return { status: res.status, headers: res.headers, ms: Date.now() - started };
  };

  it('fails fast with 503 while Redis is down, keeps liveness green, and recovers with every session intact', async () => {
    const token = await login(service.url, 'before-the-crash');
    await redis.kill();

    const during = await timed('/auth/session', token);
    expect(during.status).toBe(503);
    expect(during.headers.get('retry-after')).toBe('2');
    expect(during.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(during.ms).toBeLessThan(FAIL_FAST_BOUND_MS);
    expect((await timed('/readyz')).status).toBe(503);
    expect((await timed('/healthz')).status).toBe(200);
    const metrics = await (await fetch(service.metricsUrl)).text();
    expect(metrics).toMatch(/^xwing_redis_errors_total\{operation="access\.api"\} [1-9]/m);

    await redis.start();
    const recoveredAfterMs = await waitUntil(async () => (await timed('/readyz')).status === 200, 15_000);
    expect((await timed('/auth/session', token)).status).toBe(200);
    console.info(`recovered ${recoveredAfterMs} ms after redis-server came back`);
  });

  it('bounds latency by the command timeout while Redis is paused, then serves again', async () => {
    const token = await login(service.url, 'paused-redis');
    const admin = new Redis(redis.url);
    try {
      await admin.client('PAUSE', 2000, 'ALL');
      const results = await Promise.all(Array.from({ length: 10 }, () => timed('/auth/session', token)));
      expect(results.map((r) => r.status)).toEqual(Array(10).fill(503));
      expect(Math.max(...results.map((r) => r.ms))).toBeLessThan(FAIL_FAST_BOUND_MS);
      await admin.client('UNPAUSE');
      await waitUntil(async () => (await timed('/auth/session', token)).status === 200, 10_000);
    } finally {
      admin.disconnect();
    }
  });
});
