// Where the bench runs and what it measures: its own CPU and priority, the machine, the commit,
// the image's runtime settings and size.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, getPriority, loadavg, release, setPriority } from 'node:os';
import type { Settings } from './settings.ts';

/**
 * Pins this process (every thread) to the load CPU at the bench's priority, so that wrk and every
 * Redis it starts inherit both; each app is then pinned to the app CPU. Without the privilege a
 * negative niceness needs, the default priority stays (the results record it).
 */
export function pinSelf(settings: Settings, log: (message: string) => void): void {
  if (cpus().length < 2) throw new Error('the bench needs 2 CPUs: one for the app, one for Redis and the generator');
  execFileSync('taskset', ['-a', '-p', '-c', settings.loadCpu, String(process.pid)], { stdio: 'ignore' });
  try {
    setPriority(settings.niceness);
  } catch (error) {
    log(`cannot set niceness ${settings.niceness} (${(error as Error).message}); keeping ${getPriority()}`);
  }
}

/**
 * The service runs as the image runs it: the runtime settings its Dockerfile sets in ENV (V8 and
 * malloc tuning), read from the Dockerfile so that the bench cannot drift from what ships. Paths
 * (the compile cache) are left out; the cold start measures with and without one.
 */
export function imageRuntimeEnv(xwingRoot: string): Record<string, string> {
  const dockerfile = readFileSync(join(xwingRoot, 'Dockerfile'), 'utf8');
  // Each stage's base and text; the runtime stage inherits the ENV of the stages it is built FROM.
  const stages = new Map([...dockerfile.matchAll(/^FROM (\S+) AS (\S+)$([\s\S]*?)(?=^FROM |(?![\s\S]))/gm)].map(([, from, name, text]) => [name, { from, text }]));
  const chain: string[] = [];
  for (let stage = stages.get('runtime'); stage; stage = stage.from ? stages.get(stage.from) : undefined) chain.unshift(stage.text ?? '');
  const picked: Record<string, string> = {};
  for (const text of chain) for (const [, name, value] of text.matchAll(/^ENV (NODE_OPTIONS|GLIBC_TUNABLES)=(\S+)$/gm)) if (name && value) picked[name] = value;
  if (Object.keys(picked).length === 0) throw new Error('found no ENV NODE_OPTIONS or GLIBC_TUNABLES in the Dockerfile runtime stage');
  return picked;
}

export const loadAverage = (): number[] => loadavg().map((v) => Math.round(v * 100) / 100);

export type Machine = ReturnType<typeof machine>;

export function machine(settings: Settings) {
  const wrk = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  if (wrk.error) throw new Error(`cannot run wrk (${wrk.error.message}): run make bench-deps`);
  return {
    cpu: cpus()[0]?.model,
    cpus: cpus().length,
    niceness: getPriority(),
    loadAverage: loadAverage(),
    kernel: release(),
    node: process.version,
    redis: /v=(\S+)/.exec(execFileSync('redis-server', ['--version']).toString())?.[1],
    pinning: `app on CPU ${settings.appCpu}; generator and Redis (standalone, and the Sentinel topology) on CPU ${settings.loadCpu}`,
    generator: `${wrk.stdout.split(' Copyright')[0]?.trim() ?? 'wrk'}, one thread`,
  };
}

export function commitOf(dir: string): string {
  const git = (...args: string[]) => spawnSync('git', ['-C', dir, ...args]).stdout.toString().trim();
  const head = git('rev-parse', '--short', 'HEAD');
  return head ? `${head}${git('status', '--porcelain', '--', 'app') ? ' (app/ modified)' : ''}` : 'unknown';
}

export type ImageSize = { image: string; bytes: number; mb: number } | { image: string; skipped: string };

export function imageSize(settings: Settings): ImageSize {
  const version = (JSON.parse(readFileSync(join(settings.xwingRoot, 'package.json'), 'utf8')) as { version: string }).version;
  const image = settings.image ?? `xwing:${version}`;
  try {
    const bytes = Number(execFileSync('docker', ['image', 'inspect', '--format', '{{.Size}}', image], { stdio: ['ignore', 'pipe', 'ignore'] }).toString());
    return { image, bytes, mb: Math.round(bytes / 1e6) };
  } catch {
    return { image, skipped: `docker image inspect ${image} found nothing (no docker, or the image is not built)` };
  }
}
