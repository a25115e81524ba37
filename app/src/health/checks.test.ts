import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { createRedis } from '../redis/client.ts';
import { waitFor, type RedisNode } from '../../../harness/index.ts';
import { ownRedis } from '../../test/support/processes.ts';
import { CheckFailed, createReadiness, liveness, type RedisState } from './checks.ts';

const settings = (url: string) =>
  loadConfig({ REDIS_URL: url, REDIS_KEY_PREFIX: 'health:', REDIS_COMMAND_TIMEOUT_MS: '300', REDIS_CONNECT_TIMEOUT_MS: '300' });

describe('health checks', () => {
  let server: RedisNode & { close(): Promise<void> };
  let redis: Redis;
  beforeAll(async () => {
    server = await ownRedis();
    redis = createRedis(settings(server.url));
    redis.on('error', () => undefined);
    await redis.connect();
  });
  afterAll(async () => {
    redis.disconnect();
    await server.close();
  });

  it('liveness answers from the process alone', async () => {
    await expect(liveness()).resolves.toEqual({ uptimeSeconds: expect.any(Number) });
  });

  const readiness = (timeoutMs: number, shuttingDown: boolean, graceMs = 0) =>
    createReadiness({ redis, timeoutMs, graceMs, shuttingDown: () => shuttingDown })();

  it('readiness is green when Redis answers and red while shutting down', async () => {
    await expect(readiness(500, false)).resolves.toEqual({ redis: 'ok' });
    await expect(readiness(500, true)).rejects.toMatchObject({ causes: { shutdown: 'the process is shutting down' } });
  });

  it('readiness turns red within its timeout when Redis does not answer, and green again after', async () => {
    const admin = new Redis(server.url);
    await admin.client('PAUSE', 1000, 'ALL');
    const failure = await readiness(100, false).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CheckFailed);
    expect((failure as CheckFailed).causes.redis).toMatch(/no answer within 100 ms|timed out/i);
    await admin.client('UNPAUSE');
    admin.disconnect();
    // The stalled socket may have been dropped (socketTimeout); readiness is green once reconnected.
    await waitFor('readiness green again', async () => (await readiness(1000, false)).redis === 'ok', { timeoutMs: 5000 });
  });

  it('readiness stays green through an outage shorter than its grace, turns red after, and reports each change once', async () => {
    let clock = 1_000_000;
    const changes: RedisState[] = [];
    const check = createReadiness({ redis, timeoutMs: 100, graceMs: 5000, shuttingDown: () => false, onChange: (state) => changes.push(state), now: () => clock });
    await expect(check()).resolves.toEqual({ redis: 'ok' });
    const admin = new Redis(server.url);
    await admin.client('PAUSE', 1500, 'ALL');
    try {
      clock += 4000;
      await expect(check()).resolves.toEqual({ redis: expect.stringMatching(/^unreachable for 4000 ms .*still ready for 1000 ms$/) });
      await expect(check()).resolves.toEqual({ redis: expect.stringMatching(/^unreachable for 4000 ms/) });
      clock += 1000;
      await expect(check()).rejects.toBeInstanceOf(CheckFailed);
    } finally {
      await admin.client('UNPAUSE');
      admin.disconnect();
    }
    await waitFor('readiness green again', async () => (await check()).redis === 'ok', { timeoutMs: 5000 });
    expect(changes).toEqual(['ok', 'unreachable-within-grace', 'unreachable', 'ok']);
  });

  it('a pod that never reached Redis is not ready, whatever the grace', async () => {
    const unreachable = createRedis(settings('redis://127.0.0.1:1'));
    unreachable.on('error', () => undefined);
    try {
      await expect(createReadiness({ redis: unreachable, timeoutMs: 100, graceMs: 60_000, shuttingDown: () => false })()).rejects.toBeInstanceOf(CheckFailed);
    } finally {
      unreachable.disconnect();
    }
  });
});
