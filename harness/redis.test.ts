import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, onTestFinished, test } from 'vitest';
import { SHARED_REDIS_CONF } from './paths.ts';
import { startRedis, startReplicated, type ReplicatedRedis } from './redis.ts';
import { testGroup } from './testing.ts';
import { sleep } from './wait.ts';
import { startWriter } from './writer.ts';

const PASSWORD = 'harness test password';

describe('startRedis', () => {
  test('runs with the shared settings; SIGTERM and SIGKILL restarts keep the append-only data', async () => {
    const group = testGroup();
    const redis = await startRedis(group, { name: 'redis', dir: join(group.stateDir, 'redis'), password: PASSWORD });
    expect(redis.url).toBe(`redis://:${encodeURIComponent(PASSWORD)}@127.0.0.1:${redis.port}`);
    // The shared file is included, not used as the config file (CONFIG REWRITE must never touch it).
    expect(readFileSync(join(redis.dir, 'redis.conf'), 'utf8')).toContain(`include "${SHARED_REDIS_CONF}"`);
    expect(await redis.cli('CONFIG', 'GET', 'appendonly')).toBe('appendonly\nyes');
    expect(await redis.cli('CONFIG', 'GET', 'repl-diskless-sync-delay')).toBe('repl-diskless-sync-delay\n0');
    expect(await redis.cli('CONFIG', 'GET', 'maxmemory-policy')).toBe('maxmemory-policy\nnoeviction');
    await expect(redis.cli('NO-SUCH-COMMAND')).rejects.toThrow(/unknown command/);

    await redis.cli('SET', 'graceful', 'kept');
    const before = redis.process.pid;
    await redis.restart();
    expect(redis.process.pid).not.toBe(before);
    expect(await redis.cli('GET', 'graceful')).toBe('kept');

    await redis.cli('SET', 'killed', 'kept');
    // appendfsync everysec: what was written more than a second before a SIGKILL is on disk.
    await sleep(1200);
    await redis.kill();
    expect(redis.process.alive).toBe(false);
    await expect(redis.cli('PING')).rejects.toThrow();
    await redis.restart();
    expect(await redis.cli('MGET', 'graceful', 'killed')).toBe('kept\nkept');
  });

  test('a start that fails says why and leaves nothing running', async () => {
    const group = testGroup();
    const dir = join(group.stateDir, 'bad');
    await expect(startRedis(group, { name: 'bad', dir, args: ['--no-such-setting', 'x'] })).rejects.toThrow(/exited at start[\s\S]*no-such-setting/i);
    expect(group.processes).toEqual([]);
  });
});

/** 3 nodes + 3 Sentinels, stopped when the test ends (testGroup would too; this keeps logs readable). */
async function replicated(password?: string): Promise<ReplicatedRedis> {
  const group = testGroup();
  const redis = await startReplicated(group, { name: 'ha', dir: join(group.stateDir, 'ha'), password });
  onTestFinished(() => redis.stop());
  return redis;
}

describe('startReplicated', () => {
  test('3 nodes + 3 Sentinels: node 0 primary, replicas in sync, Sentinels agree', async () => {
    const started = performance.now();
    const redis = await replicated(PASSWORD);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(redis.nodes).toHaveLength(3);
    expect(redis.sentinels).toHaveLength(3);
    expect(redis.sentinelList).toBe(redis.sentinels.map((s) => `127.0.0.1:${s.port}`).join(','));
    expect(redis.appEnv()).toMatchObject({ REDIS_SENTINELS: redis.sentinelList, REDIS_SENTINEL_NAME: 'xwing' });

    const [first, second, third] = redis.nodes;
    expect(await redis.primary()).toBe(first);
    await first!.cli('SET', 'k', 'v');
    await redis.waitInSync(5000);
    for (const replica of [second!, third!]) {
      const info = await replica.info('replication');
      expect(info.get('role')).toBe('slave');
      expect(info.get('master_port')).toBe(String(first!.port));
      expect(info.get('master_link_status')).toBe('up');
      expect(await replica.cli('GET', 'k')).toBe('v');
    }
    // Sentinel keeps its own writable config, which it has rewritten with what it learned.
    const config = readFileSync(redis.sentinels[0]!.configPath, 'utf8');
    expect(config).toMatch(/sentinel known-replica xwing/);
    expect(config).toMatch(/sentinel known-sentinel xwing/);
  });

  test('requestFailover moves the primary without losing an acknowledged write', async () => {
    const redis = await replicated(PASSWORD);
    const load = startWriter(redis, 'counter');
    await sleep(500);

    const { from, to, ms, totalMs } = await redis.requestFailover();
    await sleep(500);
    const counts = await load.stop();

    expect(from).toBe(redis.nodes[0]);
    expect(to).not.toBe(from);
    expect(await redis.primary()).toBe(to);
    expect((await from.info('replication')).get('master_port')).toBe(String(to.port));
    expect(ms).toBeLessThan(5000);
    expect(totalMs).toBeGreaterThanOrEqual(ms);
    expect(counts.acked).toBeGreaterThan(100);
    // Every acknowledged INCR is in the final value on the new primary, and none was applied twice.
    const final = Number(await to.cli('GET', 'counter'));
    expect(final).toBe(counts.acked);
    // The writes held by the pause were never run on the old primary; the client sent them again
    // to the new one once the old one closed its connection, so none failed either.
    expect(counts.failed, [...counts.errors].join('; ')).toBe(0);
    await redis.waitInSync(5000);
    for (const node of redis.nodes) expect(Number(await node.cli('GET', 'counter'))).toBe(final);
  });

  test('requestFailover past a hung replica: waits for it only briefly, promotes the one in sync', async () => {
    const redis = await replicated();
    const [first, second, third] = redis.nodes;
    await third!.kill('SIGSTOP');
    await first!.cli('SET', 'while', 'hung');

    const { from, to, ms } = await redis.requestFailover();
    expect(from).toBe(first);
    expect(to).toBe(second);
    // Not the seconds the paused primary would take to look down to the Sentinels (their own failover).
    expect(ms).toBeLessThan(3000);
    expect(await to.cli('GET', 'while')).toBe('hung');
    // Continued, it still follows the old primary (now a replica) until Sentinel repoints it, ~10 s later.
    await third!.kill('SIGCONT');
  });

  test('SIGKILL of the primary: Sentinel promotes a replica within seconds; the old one rejoins as a replica', async () => {
    const redis = await replicated();
    const old = await redis.primary();
    await old.cli('SET', 'before', 'kill');
    await redis.waitInSync(5000);

    const killed = performance.now();
    await old.kill('SIGKILL');
    const promoted = await redis.waitForPrimary({ not: old, timeoutMs: 10_000 });
    const ms = performance.now() - killed;
    expect(ms).toBeLessThan(6000);
    expect(await promoted.cli('GET', 'before')).toBe('kill');
    await promoted.cli('SET', 'after', 'failover');

    // Restarted, it asks the Sentinels who is primary and comes back as a replica, not a second primary.
    await old.restart();
    expect((await old.info('replication')).get('role')).toBe('slave');
    await redis.waitInSync(10_000);
    expect(await old.cli('GET', 'after')).toBe('failover');
    expect(await redis.primary()).toBe(promoted);
  });
});
