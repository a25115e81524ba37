import { randomUUID } from 'node:crypto';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ApiClient, LoadGenerator, sleep, startApp, startReplicated, waitFor } from '../../harness/index.ts';
import { testGroup } from '../../harness/testing.ts';

const PASSWORD = 'sentinel suite password';

/**
 * Three redis-server and three Sentinels, with a password as the chart sets one, and two app processes
 * in Sentinel mode: the chart's replication mode on loopback.
 */
async function fleet(name: string, extraEnv: Record<string, string> = {}) {
  const group = testGroup(`xwing-sentinel-${name}-`);
  const redis = await startReplicated(group, { name, dir: `${group.stateDir}/redis`, password: PASSWORD, downAfterMs: 1000, failoverTimeoutMs: 5000 });
  const env = { ...redis.appEnv(), REDIS_COMMAND_TIMEOUT_MS: '500', REDIS_WAIT_TIMEOUT_MS: '300', ...extraEnv };
  const apps = await Promise.all(['a', 'b'].map((id) => startApp(group, { name: `${name}-${id}`, env, entry: 'src' })));
  const client = new ApiClient(apps[0]!.url);
  onTestFinished(() => client.close());
  return { group, redis, apps, client };
}

describe('Sentinel mode, against three redis-server and three Sentinels', () => {
  it('follows a requested failover under load without a failed request, and Lua scripts work on the new primary', async () => {
    const { redis, apps, client } = await fleet('requested');
    const users = await client.createUsers(`req-${randomUUID().slice(0, 6)}`, 20, PASSWORD);
    const load = new LoadGenerator({ backends: apps.map((app) => ({ name: app.name, url: app.url })), users, rate: 100, mix: [['session', 3], ['cycle', 1]], maxDurationMs: 20_000 });
    load.start();
    await sleep(1000);
    const before = await redis.primary();
    const failover = await redis.requestFailover();
    await sleep(1500);
    const records = await load.stop();
    expect(failover.from.name).toBe(before.name);
    expect((await redis.primary()).name).not.toBe(before.name);
    const failed = records.filter((r) => !r.ok);
    expect(failed, JSON.stringify(failed.slice(0, 5))).toEqual([]);
    expect(records.filter((r) => r.sessionLost)).toEqual([]);
    expect(records.length).toBeGreaterThan(200);
    // The new primary never ran the access script: ioredis loads it again on NOSCRIPT.
    expect(await client.verifySessions(users)).toEqual({ lost: [], unchecked: [] });
  });

  it('keeps a login and undoes no logout when the primary is SIGKILLed right after them', async () => {
    const { redis, client } = await fleet('killed');
    const suffix = randomUUID().slice(0, 6);
    const kept = await client.createUsers(`kept-${suffix}`, 10, PASSWORD);
    const leaving = await client.createUsers(`leaving-${suffix}`, 10, PASSWORD);
    await Promise.all(leaving.map(async (user) => expect(await client.logout(user.token)).toBe(204)));
    const old = await redis.primary();
    await old.kill('SIGKILL');
    const next = await redis.waitForPrimary({ not: old, timeoutMs: 15_000 });
    expect(next.name).not.toBe(old.name);
    const { lost, unchecked } = await client.verifySessions(kept, 15_000);
    expect({ lost, unchecked }).toEqual({ lost: [], unchecked: [] });
    for (const user of leaving) expect((await client.session(user.token)).status).toBe(401);
  });

  it('follows the new primary when the old one hangs (SIGSTOP) instead of dying, and the old one rejoins as a replica', async () => {
    const { redis, client } = await fleet('hung');
    const [user] = await client.createUsers(`hung-${randomUUID().slice(0, 6)}`, 1, PASSWORD);
    const old = await redis.primary();
    await old.kill('SIGSTOP');
    try {
      await redis.waitForPrimary({ not: old, timeoutMs: 15_000 });
      // The app's connection to the hung node stays open; only the failover detector moves it.
      await waitFor('the session served', async () => (await client.session(user!.token)).status === 200, {
        timeoutMs: 10_000,
        intervalMs: 100,
      });
    } finally {
      await old.kill('SIGCONT');
    }
    await redis.waitInSync(20_000);
    expect((await old.info('replication')).get('role')).toBe('slave');
    const { token } = await client.login(user!.username, PASSWORD);
    expect((await client.session(token)).status).toBe(200);
  });

  it('connects again when a failover is announced while it still asks a Sentinel that does not answer for the primary', async () => {
    // The app asks the first Sentinel first; stopped, it holds each connect for the connect timeout,
    // which makes the window in which ioredis 6.0 would end the client for good (redis/client.ts) seconds
    // long: well over the 1–2.5 s a requested failover takes to be announced on a busy 2-core machine.
    const { redis, apps, client } = await fleet('announced', { REDIS_CONNECT_TIMEOUT_MS: '6000', REDIS_WAIT_REPLICAS: '0' });
    const [user] = await client.createUsers(`announced-${randomUUID().slice(0, 6)}`, 1, PASSWORD);
    const old = await redis.primary();
    const [silent, other] = redis.sentinels;
    await silent!.kill('SIGSTOP');
    try {
      // Dropped by the server, the app's connection reconnects through the silent Sentinel; the old
      // connection's failover detector is still subscribed and hears the switch.
      await old.cli('CLIENT', 'KILL', 'TYPE', 'normal');
      await other!.cli('SENTINEL', 'FAILOVER', redis.masterName);
      await redis.waitForPrimary({ not: old, timeoutMs: 15_000 });
      // A request may be held for up to REDIS_FAILOVER_HOLD_MS, as long as the client waits: a failure then.
      await waitFor('the session served', async () => (await client.session(user!.token)).status === 200, {
        timeoutMs: 15_000,
        intervalMs: 200,
      });
      await apps[0]!.waitForOutput(/redis client ended unasked; connecting again/, 2000);
    } finally {
      await silent!.kill('SIGCONT');
    }
  });
});
