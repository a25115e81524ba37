// The cluster runs' knobs, from the environment (make passes them through); k6's own (DURATION,
// RATE, PEAK_RATE, MAX_FAILED_RATE, ...) reach k6 with the rest of the environment.
import { join } from 'node:path';
import { REPO_ROOT } from '../../harness/index.ts';
import { durationMs, int } from '../knobs.ts';

export type ClusterConfig = ReturnType<typeof clusterConfig>;

export function clusterConfig(script: string | undefined, env: NodeJS.ProcessEnv) {
  if (script !== 'scale-out' && script !== 'churn') throw new Error(`usage: run.ts scale-out|churn (got ${script ?? 'nothing'})`);
  const chaosRounds = int(env, 'CHAOS_ROUNDS', 8, 2, 100);
  const k6Env: Record<string, string> = script === 'churn'
    // A Redis pod deletion takes sessions away from every replica for as long as the pod needs to stop,
    // start and load its append-only file (503s by design); the bound covers that once per run.
    ? { MAX_FAILED_RATE: env.MAX_FAILED_RATE || '0.05', DURATION: env.DURATION || '6m', MIN_REPLICAS: env.MIN_REPLICAS || '2' }
    // Time for the HPA to come back to its minimum after the scrypt work of setup() (see scale-out.js).
    : { SETTLE_S: env.SETTLE_S || '150', MIN_REPLICAS: env.MIN_REPLICAS || '2' };
  return {
    script,
    k6Env,
    baseUrl: env.BASE_URL || undefined,
    // Scale-out: the run shows nothing unless the HPA reached this many ready pods under load.
    scaleOutMinPeak: int(env, 'SCALE_OUT_MIN_PEAK', 4, 1, 100),
    // Bounded even if k6 hangs: churn's duration plus setup and grace, else an hour.
    k6TimeoutMs: script === 'churn' ? durationMs(env.DURATION || '6m') + 600_000 : 3_600_000,
    k6ApiPort: int(env, 'K6_API_PORT', 16_565, 1024, 65_535),
    k6: env.K6 || join(REPO_ROOT, '.tools', 'bin', 'k6'),
    sampleIntervalMs: int(env, 'SAMPLE_INTERVAL_S', 5, 1, 60) * 1000,
    samplerMaxMs: int(env, 'SAMPLER_MAX_S', 3600, 60, 86_400) * 1000,
    chaosRounds,
    chaosWarmupMs: int(env, 'CHAOS_WARMUP_S', 30, 0, 3600) * 1000,
    chaosIntervalMs: int(env, 'CHAOS_INTERVAL_S', 20, 0, 3600) * 1000,
    rolloutRound: int(env, 'ROLLOUT_ROUND', Math.floor(chaosRounds / 2), 1, chaosRounds),
    redisRound: int(env, 'REDIS_ROUND', Math.floor((chaosRounds * 3) / 4), 1, chaosRounds),
    stateDir: join(REPO_ROOT, '.run', 'cluster-load'),
  };
}
