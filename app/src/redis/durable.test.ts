import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor, type RedisNode } from '../../../harness/index.ts';
import { ownRedis } from '../../test/support/processes.ts';
import { loadConfig } from '../config.ts';
import { createRedis } from './client.ts';
import { createDurableWrite } from './durable.ts';
import { NotReplicatedError, RedisUnavailableError } from './errors.ts';
import { createRedisRunner } from './runner.ts';

describe('durable writes', () => {
  let primary: RedisNode & { close(): Promise<void> };
  let replica: RedisNode & { close(): Promise<void> };
  let client: Redis;
  let replicaClient: Redis;
  beforeAll(async () => {
    primary = await ownRedis();
    replica = await ownRedis(['--replicaof', '127.0.0.1', String(primary.port)]);
    replicaClient = new Redis(replica.url);
    await waitFor('the replica in sync', async () => (await replicaClient.info('replication')).includes('master_link_status:up'), { timeoutMs: 10_000 });
    client = createRedis(loadConfig({ REDIS_URL: primary.url, REDIS_KEY_PREFIX: 'durable:' }));
    client.on('error', () => undefined);
    await client.connect();
  });
  afterAll(async () => {
    client.disconnect();
    replicaClient.disconnect();
    await replica.close();
    await primary.close();
  });

  it('answers once a replica holds the write', async () => {
    const write = createDurableWrite(client, createRedisRunner(client, 1000), { replicas: 1, timeoutMs: 500 });
    await write('session.create', [['set', 'a', '1', 'EX', 60]]);
    // Read at once, without waiting: the write is on the replica before the call returns.
    expect(await replicaClient.get('durable:a')).toBe('1');
    await write('session.destroy', [['del', 'a']]);
    expect(await replicaClient.exists('durable:a')).toBe(0);
  });

  it('fails with the reason when fewer replicas than asked confirm in time', async () => {
    const write = createDurableWrite(client, createRedisRunner(client, 1000), { replicas: 2, timeoutMs: 100 });
    const error = await write('session.create', [['set', 'b', '1']]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedisUnavailableError);
    expect((error as RedisUnavailableError).cause).toBeInstanceOf(NotReplicatedError);
    expect(String((error as RedisUnavailableError).cause)).toMatch(/1 of 2 replicas acknowledged the write within 100 ms/);
  });

  it('without replicas to wait for, writes without WAIT', async () => {
    const write = createDurableWrite(client, createRedisRunner(client, 1000), { replicas: 0, timeoutMs: 100 });
    await write('session.create', [['set', 'c', '1']]);
    expect(await client.get('c')).toBe('1');
  });
});
