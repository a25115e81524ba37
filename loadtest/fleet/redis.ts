// The fleet's Redis and its one disruption in the chaos loop: a standalone redis-server restarted
// (SIGTERM, start again on its append-only file), or 3 nodes + 3 Sentinels with the apps in
// Sentinel mode and a requested failover (the chart's preStop path).
import { join } from 'node:path';
import { startRedis, startReplicated, type ProcessGroup } from '../../harness/index.ts';
import type { Note } from '../verdict.ts';
import type { FleetConfig } from './config.ts';

export interface FleetRedis {
  /** What the apps get: REDIS_URL, or the Sentinel settings. */
  readonly env: Record<string, string>;
  readonly label: string;
  /** The event that proves the disruption happened. */
  readonly disruptedEvent: string;
  disrupt(note: Note): Promise<void>;
}

export async function startFleetRedis(group: ProcessGroup, config: FleetConfig): Promise<FleetRedis> {
  const dir = join(config.stateDir, 'redis');
  const args = ['--appendonly', config.appendonly];
  if (config.redis === 'replication') {
    const redis = await startReplicated(group, { name: 'redis', dir, args });
    return {
      env: redis.appEnv(),
      label: `3 Redis nodes + 3 Sentinels (appendonly ${config.appendonly}), apps in Sentinel mode`,
      disruptedEvent: 'redis-failover-done',
      async disrupt(note) {
        note('redis-failover', (await redis.primary()).name, 'CLIENT PAUSE WRITE + SENTINEL FAILOVER');
        const { to, ms, totalMs } = await redis.requestFailover();
        note('redis-failover-done', to.name, `writes paused ${Math.round(ms)} ms; old primary a replica after ${Math.round(totalMs)} ms`);
      },
    };
  }
  const redis = await startRedis(group, { name: 'redis', dir, port: config.redisPort, args });
  return {
    env: { REDIS_URL: redis.url },
    label: `one Redis (appendonly ${config.appendonly})`,
    disruptedEvent: 'redis-start',
    async disrupt(note) {
      note('redis-stop', 'redis', 'SIGTERM');
      await redis.restart();
      note('redis-start', 'redis', `${await redis.cli('DBSIZE')} keys after restart`);
    },
  };
}
