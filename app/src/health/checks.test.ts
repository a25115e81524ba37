import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, redisCall, RedisUnavailableError } from '../redis.ts';
import { startRedisServer, type RedisServer } from '../../test/support/redis-server.ts';
import { waitUntil } from '../../test/support/service.ts';
import { CheckFailed, liveness, readiness } from './checks.ts';

describe('health checks', () => {
  let server: RedisServer;
  let redis: Redis;
  beforeAll(async () => {
    server = await startRedisServer();
    redis = createRedis({
      REDIS_URL: server.url,
      REDIS_KEY_PREFIX: 'health:',
      REDIS_COMMAND_TIMEOUT_MS: 300,
      REDIS_CONNECT_TIMEOUT_MS: 300,
    });
    redis.on('error', () => undefined);
    await redis.connect();
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  it('liveness answers from the process alone', async () => {
    await expect(liveness()).resolves.toEqual({ uptimeSeconds: expect.any(Number) });
  });

  it('readiness is green when Redis answers and red while shutting down', async () => {
    await expect(readiness(redis, 500, () => false)).resolves.toEqual({ redis: 'ok' });
    await expect(readiness(redis, 500, () => true)).rejects.toMatchObject({ causes: { shutdown: 'the process is shutting down' } });
  });

  it('readiness turns red within its timeout when Redis does not answer, and green again after', async () => {
    const admin = new Redis(server.url);
    await admin.client('PAUSE', 1000, 'ALL');
    const failure = await readiness(redis, 100, () => false).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CheckFailed);
    expect((failure as CheckFailed).causes.redis).toMatch(/no answer within 100 ms|timed out/i);
    await admin.client('UNPAUSE');
    admin.disconnect();
    // The stalled socket may have been dropped (socketTimeout); readiness is green once reconnected.
    await waitUntil(async () => (await readiness(redis, 1000, () => false)).redis === 'ok', 5000);
  });

  it('redisCall names the operation that failed', async () => {
    const error = await redisCall('demo.op', Promise.reject(new Error('boom'))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedisUnavailableError);
    expect(error).toMatchObject({ operation: 'demo.op', message: 'redis unavailable during demo.op' });
  });
});
