// The fleet's knobs, from the environment (make passes them through).
import { join } from 'node:path';
import { REPO_ROOT } from '../../harness/index.ts';
import { durationMs, int, oneOf } from '../knobs.ts';

export type FleetConfig = ReturnType<typeof fleetConfig>;

export function fleetConfig(env: NodeJS.ProcessEnv) {
  const duration = env.DURATION || '90s';
  const port = (name: string, fallback: number) => int(env, name, fallback, 1024, 65_535);
  return {
    apps: int(env, 'FLEET_APPS', 3, 2, 16),
    // standalone: one redis-server, restarted once; replication: 3 nodes + 3 Sentinels, one requested failover.
    redis: oneOf(env, 'FLEET_REDIS', ['standalone', 'replication'] as const),
    // "no" shows what the thresholds are for: sessions vanish with the Redis restart and the run fails.
    appendonly: oneOf(env, 'FLEET_REDIS_APPENDONLY', ['yes', 'no'] as const),
    lbPort: port('FLEET_LB_PORT', 18_000),
    appPortBase: port('FLEET_APP_PORT_BASE', 18_080),
    metricsPortBase: port('FLEET_METRICS_PORT_BASE', 19_460),
    redisPort: port('FLEET_REDIS_PORT', 16_380),
    k6ApiPort: port('K6_API_PORT', 16_565),
    smoke: (env.FLEET_SMOKE ?? '1') === '1',
    // Kept short: nginx has no readiness probe to wait for, it learns of a dying upstream when it refuses.
    shutdownDelayMs: int(env, 'FLEET_SHUTDOWN_DELAY_MS', 1000, 0, 60_000),
    // The app closes an upstream keep-alive connection after this many requests, so nginx's pool keeps
    // turning over the way long-lived client connections do in a cluster.
    maxRequestsPerSocket: int(env, 'FLEET_MAX_REQUESTS_PER_SOCKET', 100, 0, 1_000_000),
    chaosRounds: int(env, 'CHAOS_ROUNDS', 6, 2, 100),
    chaosWarmupMs: int(env, 'CHAOS_WARMUP_S', 8, 0, 3600) * 1000,
    chaosIntervalMs: int(env, 'CHAOS_INTERVAL_S', 5, 0, 3600) * 1000,
    // k6's DURATION (90s, 2m, ...) and the same in ms.
    duration,
    durationMs: durationMs(duration),
    k6: env.K6 || join(REPO_ROOT, '.tools', 'bin', 'k6'),
    nginx: env.NGINX || 'nginx',
    stateDir: join(REPO_ROOT, '.run', 'fleet'),
  };
}
