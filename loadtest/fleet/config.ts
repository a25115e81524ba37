// The fleet's knobs, from the environment (make passes them through).
import { join } from 'node:path';
import { REPO_ROOT } from '../../harness/index.ts';

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name}=${raw ?? ''}: an integer from ${min} to ${max}`);
  return value;
}

function oneOf<T extends string>(env: NodeJS.ProcessEnv, name: string, allowed: readonly T[]): T {
  const value = env[name] || allowed[0];
  const found = allowed.find((candidate) => candidate === value);
  if (found === undefined) throw new Error(`${name}=${value ?? ''}: one of ${allowed.join(', ')}`);
  return found;
}

/** A k6 duration of one unit (90s, 2m, 1h) in ms. */
function durationMs(duration: string): number {
  const match = /^(\d+)(s|m|h)$/.exec(duration);
  if (!match) throw new Error(`DURATION=${duration}: a number with s, m or h`);
  return Number(match[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 's' | 'm' | 'h'];
}

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
