import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { loadConfig } from '../config.ts';
import { createRedis } from './client.ts';
import { RedisUnavailableError } from './errors.ts';
import { createRedisRunner } from './runner.ts';

const client = (url: string, env: Record<string, string> = {}) => {
  const redis = createRedis(loadConfig({ REDIS_URL: url, REDIS_KEY_PREFIX: 'runner:', REDIS_COMMAND_TIMEOUT_MS: '200', ...env }));
  redis.on('error', () => undefined);
  return redis;
};

describe('the Redis runner', () => {
  let redis: Redis;
  let admin: Redis;
  beforeAll(async () => {
    redis = client(inject('redisUrl'));
    await redis.connect();
    admin = new Redis(inject('redisUrl'));
  });
  afterAll(() => {
    redis.disconnect();
    admin.disconnect();
  });

  it('names the operation that failed and does not retry an error Redis answered', async () => {
    const run = createRedisRunner(redis, 2000);
    const retries: boolean[] = [];
    const error = await run('demo.op', (retry) => {
      retries.push(retry);
      return redis.call('NO-SUCH-COMMAND');
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedisUnavailableError);
    expect(error).toMatchObject({ operation: 'demo.op', message: 'redis unavailable during demo.op' });
    expect(retries).toEqual([false]);
  });

  it('holds a request across a reconnect and serves it on the new connection', async () => {
    const run = createRedisRunner(redis, 3000);
    await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    await sleep(20);
    expect(redis.status).not.toBe('ready');
    const retries: boolean[] = [];
    await expect(run('held', (retry) => (retries.push(retry), redis.ping()))).resolves.toBe('PONG');
    expect(retries).toEqual([false]);
  });

  it('sends a command that timed out on a paused Redis again, marked as a retry, and succeeds once the pause ends', async () => {
    const run = createRedisRunner(redis, 3000);
    const retries: boolean[] = [];
    await admin.client('PAUSE', 350, 'WRITE');
    await expect(run('paused', (retry) => (retries.push(retry), redis.set('k', 'v')))).resolves.toBe('OK');
    expect(retries[0]).toBe(false);
    expect(retries.slice(1)).toContain(true);
    expect(retries.length).toBeGreaterThan(1);
  });

  it('fails at once when Redis has been gone for longer than the hold', async () => {
    const gone = client('redis://127.0.0.1:1', { REDIS_CONNECT_TIMEOUT_MS: '100' });
    const run = createRedisRunner(gone, 300);
    gone.connect().catch(() => undefined);
    try {
      // The first request meets a fresh outage and waits for the hold, the next ones do not.
      const first = performance.now();
      await expect(run('gone', () => gone.ping())).rejects.toBeInstanceOf(RedisUnavailableError);
      expect(performance.now() - first).toBeGreaterThanOrEqual(250);
      await sleep(50);
      const second = performance.now();
      await expect(run('gone', () => gone.ping())).rejects.toBeInstanceOf(RedisUnavailableError);
      expect(performance.now() - second).toBeLessThan(100);
    } finally {
      gone.disconnect();
    }
  });
});
