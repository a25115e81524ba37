import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor, type RedisNode } from '../../harness/index.ts';
import { login, ownRedis, spawnService, type Service } from './support/processes.ts';

/** Generous against REDIS_COMMAND_TIMEOUT_MS=300: the point is "fails fast", not a benchmark. */
const FAIL_FAST_BOUND_MS = 1500;
const HOLD_MS = 3000;

describe('Redis trouble, against a real server process and a real redis-server', () => {
  let redis: RedisNode & { close(): Promise<void> };

  beforeAll(async () => {
    redis = await ownRedis();
  });
  afterAll(async () => {
    await redis.close();
  });

  const timed = async (service: Service, path: string, token?: string) => {
    const started = Date.now();
    const res = await fetch(`${service.url}${path}`, token ? { headers: { Authorization: `Bearer ${token}` } } : {});
    return { status: res.status, headers: res.headers, ms: Date.now() - started };
  };

  describe('without a hold or a readiness grace (REDIS_FAILOVER_HOLD_MS=0, REDIS_READINESS_GRACE_MS=0)', () => {
    let service: Service;
    beforeAll(async () => {
      service = await spawnService({ REDIS_URL: redis.url, REDIS_COMMAND_TIMEOUT_MS: '300', REDIS_FAILOVER_HOLD_MS: '0', REDIS_READINESS_GRACE_MS: '0' });
    });
    afterAll(() => service.stop());

    it('fails fast with 503 while Redis is down, keeps liveness green, and recovers with every session intact', async () => {
      const token = await login(service.url, 'before-the-crash');
      await redis.kill('SIGKILL');
      try {
        const during = await timed(service, '/auth/session', token);
        expect(during.status).toBe(503);
        expect(during.headers.get('retry-after')).toBe('2');
        expect(during.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(during.ms).toBeLessThan(FAIL_FAST_BOUND_MS);
        expect((await timed(service, '/readyz')).status).toBe(503);
        expect((await timed(service, '/healthz')).status).toBe(200);
        const metrics = await (await fetch(service.metricsUrl)).text();
        expect(metrics).toMatch(/^xwing_redis_errors_total\{operation="access\.api"\} [1-9]/m);
      } finally {
        await redis.restart();
      }
      const recoveredAfterMs = await waitFor('ready again', async () => (await timed(service, '/readyz')).status === 200, { timeoutMs: 15_000 });
      expect((await timed(service, '/auth/session', token)).status).toBe(200);
      console.info(`recovered ${recoveredAfterMs} ms after redis-server came back`);
    });

    it('bounds latency by the command timeout while Redis is paused, then serves again', async () => {
      const token = await login(service.url, 'paused-redis');
      const admin = new Redis(redis.url);
      try {
        await admin.client('PAUSE', 2000, 'ALL');
        const results = await Promise.all(Array.from({ length: 10 }, () => timed(service, '/auth/session', token)));
        expect(results.map((r) => r.status)).toEqual(Array(10).fill(503));
        expect(Math.max(...results.map((r) => r.ms))).toBeLessThan(FAIL_FAST_BOUND_MS);
        await admin.client('UNPAUSE');
        await waitFor('sessions served again', async () => (await timed(service, '/auth/session', token)).status === 200, { timeoutMs: 10_000 });
      } finally {
        admin.disconnect();
      }
    });
  });

  describe('with the default hold and readiness grace', () => {
    let service: Service;
    beforeAll(async () => {
      service = await spawnService({ REDIS_URL: redis.url, REDIS_COMMAND_TIMEOUT_MS: '300', REDIS_FAILOVER_HOLD_MS: String(HOLD_MS) });
    });
    afterAll(() => service.stop());

    it('holds requests across a short Redis restart and serves them, and stays ready throughout', async () => {
      const token = await login(service.url, 'short-restart');
      await redis.kill('SIGKILL');
      const during = timed(service, '/auth/session', token);
      await sleep(500);
      expect((await timed(service, '/readyz')).status).toBe(200);
      await redis.restart();
      const held = await during;
      expect(held.status).toBe(200);
      expect(held.ms).toBeGreaterThanOrEqual(400);
      expect(held.ms).toBeLessThan(HOLD_MS + FAIL_FAST_BOUND_MS);
    });

    it('answers 503 once the hold is spent, and at once for an outage older than the hold', async () => {
      const token = await login(service.url, 'long-outage');
      await redis.kill('SIGKILL');
      try {
        const first = await timed(service, '/auth/session', token);
        expect(first.status).toBe(503);
        expect(first.ms).toBeGreaterThanOrEqual(HOLD_MS - 100);
        expect(first.ms).toBeLessThan(HOLD_MS + FAIL_FAST_BOUND_MS);
        const later = await timed(service, '/auth/session', token);
        expect(later.status).toBe(503);
        expect(later.ms).toBeLessThan(FAIL_FAST_BOUND_MS);
        expect((await timed(service, '/healthz')).status).toBe(200);
      } finally {
        await redis.restart();
      }
      await waitFor('sessions served again', async () => (await timed(service, '/auth/session', token)).status === 200, { timeoutMs: 10_000 });
    });

    it('serves requests that meet a pause shorter than the hold, once it ends', async () => {
      const token = await login(service.url, 'short-pause');
      const admin = new Redis(redis.url);
      try {
        await admin.client('PAUSE', 1000, 'ALL');
        const results = await Promise.all(Array.from({ length: 10 }, () => timed(service, '/auth/session', token)));
        expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
        expect(Math.max(...results.map((r) => r.ms))).toBeLessThan(HOLD_MS + FAIL_FAST_BOUND_MS);
      } finally {
        admin.disconnect();
      }
    });
  });
});
