// The bench's knobs, all from the environment (make passes them through), checked once.
import { join, resolve } from 'node:path';
import { REPO_ROOT } from '../harness/index.ts';

export const ALL_VARIANTS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
/** xwing GET /auth/session: the fixed rate is half of its saturation. */
export const CALIBRATION_VARIANT = 3;

export type Settings = ReturnType<typeof readSettings>;

export function readSettings(env: NodeJS.ProcessEnv) {
  const smoke = env.BENCH_SMOKE === '1';
  const profiling = env.BENCH_PROFILE === '1';
  const num = (name: string, fallback: number): number => {
    const value = Number(env[name] ?? fallback);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
    return value;
  };
  const niceness = Number(env.BENCH_NICE ?? -20);
  if (!Number.isInteger(niceness) || niceness < -20 || niceness > 19) throw new Error('BENCH_NICE must be an integer from -20 to 19');
  const variants = (env.BENCH_VARIANTS ?? (profiling ? '3,9' : ALL_VARIANTS.join(','))).split(',').map(Number);
  for (const id of variants) if (!ALL_VARIANTS.includes(id)) throw new Error(`unknown variant ${id} in BENCH_VARIANTS (1..${ALL_VARIANTS.length})`);
  const pairs = (env.BENCH_XWING_ENV ?? '').split(',').filter(Boolean);
  for (const pair of pairs) if (!pair.includes('=')) throw new Error(`BENCH_XWING_ENV: ${pair} is not K=V`);
  return {
    smoke,
    profiling,
    rounds: num('BENCH_ROUNDS', smoke ? 1 : 3),
    warmupSeconds: num('BENCH_WARMUP_S', smoke ? 1 : 3),
    durationSeconds: num('BENCH_DURATION_S', smoke ? 3 : 10),
    connections: num('BENCH_CONNECTIONS', 100),
    coldStarts: num('BENCH_COLD_STARTS', smoke ? 1 : 7),
    /** Undefined: half of a calibration run of CALIBRATION_VARIANT. */
    fixedRate: env.BENCH_RATE ? num('BENCH_RATE', 0) : undefined,
    fixedRateFrom: undefined as string | undefined,
    appCpu: env.BENCH_APP_CPU ?? '0',
    loadCpu: env.BENCH_LOAD_CPU ?? '1',
    niceness,
    /** For the service only, over the image's runtime settings. */
    xwingExtraEnv: Object.fromEntries(pairs.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)])) as Record<string, string>,
    variants,
    keepLogs: Boolean(env.BENCH_KEEP_LOGS),
    /** The checkout whose dist/ is measured. */
    xwingRoot: resolve(env.XWING_ROOT ?? REPO_ROOT),
    /** A results root instead of <repo>/results. */
    resultsRoot: env.BENCH_OUT ? resolve(env.BENCH_OUT) : undefined,
    image: env.BENCH_IMAGE,
    logTo: 'a file per run (LOG_LEVEL=info, stdout redirected; lines counted, then the file is deleted)',
  };
}

export function runKind(settings: Settings): string {
  return settings.smoke ? 'bench-smoke' : settings.profiling ? 'bench-profile' : 'bench';
}

export function xwingEntry(settings: Settings): string {
  return join(settings.xwingRoot, 'dist', 'server.js');
}
