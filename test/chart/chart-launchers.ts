// The chart's Redis pod scripts (charts/xwing/files/redis/) as launchers of the harness's
// replicated topology: node i and Sentinel i together play pod i, with the environment the chart
// sets, except that every address is 127.0.0.1 with a port of its own.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, SHARED_REDIS_CONF } from '../../harness/paths.ts';
import { configQuote, type LaunchSpec, type Launcher } from '../../harness/redis.ts';

export const SCRIPTS_DIR = join(REPO_ROOT, 'charts', 'xwing', 'files', 'redis');
export const PRESTOP_TIMEOUT_SECONDS = 15;

function hostPorts(members: readonly { host: string; port: number }[]): string {
  return members.map(({ host, port }) => `${host}:${port}`).join(',');
}

function member<T>(list: readonly T[], index: number, what: string): T {
  const found = list[index];
  if (found === undefined) throw new Error(`no ${what} ${index}`);
  return found;
}

/** What pod environments are made of: a Topology, or the ReplicatedRedis started from one. */
export interface Pods {
  masterName: string;
  password: string | undefined;
  nodes: readonly { host: string; port: number }[];
  sentinels: readonly { host: string; port: number }[];
}

/** The environment both containers of pod `index` get (files/redis/lib.sh lists it). */
export function podEnv(topology: Pods, index: number): NodeJS.ProcessEnv {
  if (topology.nodes.length !== topology.sentinels.length) throw new Error('the chart runs one Sentinel per node');
  const node = member(topology.nodes, index, 'node');
  const sentinel = member(topology.sentinels, index, 'sentinel');
  return {
    PATH: process.env.PATH,
    ...(topology.password === undefined ? {} : { REDIS_PASSWORD: topology.password }),
    LOCAL_HOST: node.host,
    ANNOUNCE_HOST: node.host,
    REDIS_BIND: node.host,
    REDIS_PORT: String(node.port),
    REDIS_NODES: hostPorts(topology.nodes),
    SENTINEL_PORT: String(sentinel.port),
    SENTINEL_NODES: hostPorts(topology.sentinels),
    SENTINEL_MASTER_NAME: topology.masterName,
    PRESTOP_TIMEOUT_SECONDS: String(PRESTOP_TIMEOUT_SECONDS),
  };
}

function script(name: string, env: NodeJS.ProcessEnv, ...args: string[]): LaunchSpec {
  return { command: 'sh', args: [join(SCRIPTS_DIR, name), ...args], env };
}

/** start-redis.sh, with a base config that includes the shared settings as the chart's does. */
export const launchChartNode: Launcher = (topology, index) => {
  const node = member(topology.nodes, index, 'node');
  const base = join(node.dir, 'chart.conf');
  writeFileSync(base, `include ${configQuote(SHARED_REDIS_CONF)}\n`);
  return Promise.resolve(
    script('start-redis.sh', { ...podEnv(topology, index), REDIS_CONFIG: base, REDIS_RUN_DIR: node.dir, REDIS_DATA_DIR: node.dir }),
  );
};

/** start-sentinel.sh, which writes <dir>/sentinel.conf, the file the harness knows as configPath. */
export const launchChartSentinel: Launcher = (topology, index) => {
  const sentinel = member(topology.sentinels, index, 'sentinel');
  return Promise.resolve(
    script('start-sentinel.sh', {
      ...podEnv(topology, index),
      SENTINEL_CONF_DIR: sentinel.dir,
      SENTINEL_QUORUM: String(topology.quorum),
      SENTINEL_DOWN_AFTER_MS: String(topology.downAfterMs),
      SENTINEL_FAILOVER_TIMEOUT_MS: String(topology.failoverTimeoutMs),
      SENTINEL_PARALLEL_SYNCS: '1',
    }),
  );
};
