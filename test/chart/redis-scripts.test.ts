// The chart's Redis pod scripts (charts/xwing/files/redis/) against real redis-server and Sentinel
// processes on loopback: 3 "pods" of a node and a Sentinel each, started by the scripts the pods
// run, in the harness's replicated topology.
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, onTestFinished, test } from 'vitest';
import type { ProcessGroup } from '../../harness/procs.ts';
import { startReplicated, type ReplicatedRedis } from '../../harness/redis.ts';
import { testGroup } from '../../harness/testing.ts';
import { sleep, waitFor } from '../../harness/wait.ts';
import { startWriter } from '../../harness/writer.ts';
import { launchChartNode, launchChartSentinel, podEnv, PRESTOP_TIMEOUT_SECONDS, SCRIPTS_DIR } from './chart-launchers.ts';

// Config files must quote it: a double quote and a backslash.
const PASSWORD = 'chart "pod" \\ scripts';

/** The 3 pods, in a process group of the test's own; both stop when the test ends. */
async function startPods(downAfterMs: number): Promise<{ group: ProcessGroup; redis: ReplicatedRedis }> {
  const group = testGroup('xwing-chart-scripts-');
  const redis = await startReplicated(group, {
    name: 'pod',
    dir: join(group.stateDir, 'pods'),
    password: PASSWORD,
    downAfterMs,
    failoverTimeoutMs: 5000,
    launchNode: launchChartNode,
    launchSentinel: launchChartSentinel,
  });
  onTestFinished(() => redis.stop());
  return { group, redis };
}

/** Runs a pod script for pod `index` the way its container would; its exit code and output. */
async function runScript(group: ProcessGroup, redis: ReplicatedRedis, index: number, file: string, ...args: string[]) {
  const name = [basename(file, '.sh'), index, ...args].join('-');
  const proc = group.spawn(name, 'sh', [join(SCRIPTS_DIR, file), ...args], { env: podEnv(redis, index) });
  // The scripts bound their own waits; this only keeps a broken one from hanging the suite.
  const guard = setTimeout(() => proc.kill('SIGKILL'), (PRESTOP_TIMEOUT_SECONDS + 10) * 1000);
  try {
    const { code } = await proc.exited;
    return { code, output: proc.output() };
  } finally {
    clearTimeout(guard);
  }
}

describe('Redis pod scripts on loopback (3 nodes + 3 Sentinels)', { timeout: 90_000 }, () => {
  test(
    'bootstrap: node 0 becomes the primary, the others its replicas; probes pass; a Sentinel without a majority is not ready',
    async () => {
      const { group, redis } = await startPods(1000);
      const [first, ...replicas] = redis.nodes;
      expect(await redis.primary()).toBe(first);
      expect((await first!.info()).get('role')).toBe('master');
      for (const replica of replicas) {
        const info = await replica.info();
        expect(info.get('role')).toBe('slave');
        expect(info.get('master_port')).toBe(String(first!.port));
        expect(info.get('master_link_status')).toBe('up');
        // The role was in the config the script wrote, not set afterwards.
        expect(readFileSync(join(replica.dir, 'redis.conf'), 'utf8')).toContain(`replicaof 127.0.0.1 ${first!.port}`);
      }
      // The shared settings reach the nodes through the chart's include.
      expect(await first!.cli('CONFIG', 'GET', 'repl-diskless-sync-delay')).toBe('repl-diskless-sync-delay\n0');
      const sentinelConf = readFileSync(redis.sentinels[0]!.configPath, 'utf8');
      expect(sentinelConf).toMatch(/^sentinel resolve-hostnames yes$/m);
      expect(sentinelConf).toMatch(/^sentinel announce-hostnames yes$/m);
      expect(sentinelConf).toMatch(new RegExp(`^sentinel monitor xwing 127\\.0\\.0\\.1 ${first!.port} 2$`, 'm'));

      for (const index of [0, 1, 2]) {
        for (const [file, mode] of [['probe-redis.sh', 'alive'], ['probe-redis.sh', 'ready'], ['probe-sentinel.sh', 'ready']] as const) {
          const result = await runScript(group, redis, index, file, mode);
          expect(result.code, `${file} ${mode} on pod ${index}: ${result.output}`).toBe(0);
        }
      }

      await redis.sentinels[1]!.kill();
      await redis.sentinels[2]!.kill();
      await waitFor('Sentinel 0 not ready once its peers are down', async () => (await runScript(group, redis, 0, 'probe-sentinel.sh', 'ready')).code === 1, {
        timeoutMs: 10_000,
        intervalMs: 250,
      });
      expect((await runScript(group, redis, 0, 'probe-sentinel.sh', 'alive')).code).toBe(0);
    },
  );

  test(
    'a restarted former primary (node and Sentinel) rejoins as a replica of the current primary, never a second primary',
    async () => {
      const { redis } = await startPods(1000);
      const old = redis.nodes[0]!;
      await old.cli('SET', 'before', 'kill');
      await redis.waitInSync(5000);

      await old.kill('SIGKILL');
      const promoted = await redis.waitForPrimary({ not: old, timeoutMs: 15_000 });
      await promoted.cli('SET', 'after', 'failover');

      // The whole pod comes back: its Sentinel and its node start afresh, at the same time.
      await redis.sentinels[0]!.kill('SIGKILL');
      await Promise.all([old.restart(), redis.sentinels[0]!.restart()]);
      const info = await old.info();
      expect(info.get('role')).toBe('slave');
      expect(info.get('master_port')).toBe(String(promoted.port));
      expect(readFileSync(join(old.dir, 'redis.conf'), 'utf8')).toContain(`replicaof 127.0.0.1 ${promoted.port}`);
      // The restarted Sentinel took the newest view (the failover's epoch), not node 0 again.
      const sentinelConf = readFileSync(redis.sentinels[0]!.configPath, 'utf8');
      expect(sentinelConf).toMatch(new RegExp(`^sentinel monitor xwing 127\\.0\\.0\\.1 ${promoted.port} 2$`, 'm'));

      await redis.waitInSync(10_000);
      expect(await old.cli('GET', 'after')).toBe('failover');
      expect(await old.cli('GET', 'before')).toBe('kill');
      expect(await redis.primary()).toBe(promoted);
      const masters = await Promise.all(redis.nodes.map(async (node) => (await node.info()).get('role')));
      expect(masters.filter((role) => role === 'master')).toHaveLength(1);
    },
  );

  test(
    "prestop-redis.sh hands the primary over under writes: no acknowledged write lost, the pod rejoins as a replica",
    async () => {
      // Long enough that only the preStop moves the primary.
      const { group, redis } = await startPods(3000);
      const [old, sentinel] = [redis.nodes[0]!, redis.sentinels[0]!];
      const load = startWriter(redis, 'counter');
      await sleep(500);

      // Kubernetes runs both containers' preStop hooks at once and stops each container when its
      // hook returns.
      const started = performance.now();
      const [redisHook, sentinelHook] = await Promise.all([
        runScript(group, redis, 0, 'prestop-redis.sh').then(async (result) => {
          const handedOverMs = performance.now() - started;
          const primary = await redis.primary();
          await old.stop();
          return { ...result, handedOverMs, primary };
        }),
        runScript(group, redis, 0, 'prestop-sentinel.sh').then(async (result) => {
          await sentinel.stop();
          return result;
        }),
      ]);
      expect(redisHook.code, redisHook.output).toBe(0);
      expect(sentinelHook.code, sentinelHook.output).toBe(0);
      expect(redisHook.primary).not.toBe(old);
      expect(redisHook.handedOverMs).toBeLessThan(PRESTOP_TIMEOUT_SECONDS * 1000);

      await sleep(500);
      const counts = await load.stop();
      process.stdout.write(
        `prestop-redis.sh: done in ${Math.round(redisHook.handedOverMs)} ms, writes stalled ${Math.round(counts.longestGapMs)} ms at most\n`,
      );
      expect(counts.longestGapMs).toBeLessThan(redisHook.handedOverMs + 1000);
      expect(counts.acked).toBeGreaterThan(100);
      expect(counts.failed, [...counts.errors].join('; ')).toBe(0);
      const to = await redis.primary();
      expect(to).toBe(redisHook.primary);
      // Every acknowledged INCR is there, and none ran twice (the paused ones never ran on the old primary).
      expect(Number(await to.cli('GET', 'counter'))).toBe(counts.acked);

      await Promise.all([old.restart(), sentinel.restart()]);
      const info = await old.info();
      expect(info.get('role')).toBe('slave');
      expect(info.get('master_port')).toBe(String(to.port));
      await redis.waitInSync(10_000);
      expect(Number(await old.cli('GET', 'counter'))).toBe(counts.acked);
    },
  );

  test(
    'readiness: a replica whose link to the primary is down is not ready, and is again once in sync',
    async () => {
      // No failover during the test: only the replicas notice the primary's absence.
      const { group, redis } = await startPods(60_000);
      const [primary, replica] = [redis.nodes[0]!, redis.nodes[1]!];
      expect((await runScript(group, redis, 1, 'probe-redis.sh', 'ready')).code).toBe(0);

      await primary.kill('SIGKILL');
      await waitFor('the replica sees its link down', async () => (await replica.info()).get('master_link_status') === 'down', { timeoutMs: 5000 });
      const down = await runScript(group, redis, 1, 'probe-redis.sh', 'ready');
      expect(down.code).toBe(1);
      expect(down.output).toMatch(/not in sync \(link down/);
      expect((await runScript(group, redis, 1, 'probe-redis.sh', 'alive')).code).toBe(0);

      // Back before any failover, node 0 is still the primary the Sentinels name: it stays primary.
      await primary.restart();
      expect((await primary.info()).get('role')).toBe('master');
      await waitFor('the replica ready again', async () => (await runScript(group, redis, 1, 'probe-redis.sh', 'ready')).code === 0, {
        timeoutMs: 15_000,
        intervalMs: 250,
      });
      expect((await replica.info()).get('master_link_status')).toBe('up');
    },
  );
});
