// Cold start: spawn → first /readyz 200 of xwing (standalone), pinned like the measured runs. The
// image ships a V8 compile cache of its modules (NODE_COMPILE_CACHE, made at build time); a process
// started from a plain checkout has none. Both are measured: one start fills the cache first.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuSeconds, freePort, startApp, type ProcessGroup } from '../harness/index.ts';
import { spread } from './stats.ts';

export interface ColdStartOptions {
  group: ProcessGroup;
  entry: string;
  env: Record<string, string | undefined>;
  appCpu: string;
}

async function coldStart(options: ColdStartOptions, label: string, compileCache: string | undefined) {
  // Chosen first, so that the wall time starts at the spawn.
  const [port, metricsPort] = [await freePort(), await freePort()];
  const env = compileCache ? { ...options.env, NODE_COMPILE_CACHE: compileCache } : options.env;
  const spawnedAt = performance.now();
  const ready = { path: '/readyz', accept: (status: number) => status === 200, intervalMs: 2 };
  const app = await startApp(options.group, { name: label, entry: options.entry, env, port, metricsPort, prefix: ['taskset', '-c', options.appCpu], ready });
  // CPU time to ready says what start-up costs even when neighbours stretch the wall time.
  const result = { wallMs: performance.now() - spawnedAt, cpuMs: cpuSeconds(app.process.pid) * 1000 };
  await app.stop();
  return result;
}

export type ColdStarts = Awaited<ReturnType<typeof coldStarts>>;

/** `count` starts without a compile cache, then `count` with one; failures are logged and counted. */
export async function coldStarts(options: ColdStartOptions, count: number, log: (message: string) => void) {
  let failed = false;
  const series = async (kind: string, cache: string | undefined) => {
    const samples: { wallMs: number; cpuMs: number }[] = [];
    for (let i = 0; i < count; i++) {
      try {
        samples.push(await coldStart(options, `cold-${kind}-${i}`, cache));
      } catch (error) {
        failed = true;
        log(`cold start ${i} (${kind}) failed: ${(error as Error).message}`);
      }
    }
    return {
      wallMs: { samples: samples.map((v) => Math.round(v.wallMs)), ...spread(samples.map((v) => v.wallMs)) },
      cpuMs: { samples: samples.map((v) => Math.round(v.cpuMs)), ...spread(samples.map((v) => v.cpuMs)) },
    };
  };
  const compileCache = mkdtempSync(join(tmpdir(), 'xwing-bench-compile-cache-'));
  try {
    const uncached = await series('uncached', undefined);
    await coldStart(options, 'cold-fill', compileCache).catch((error: unknown) => log(`filling the compile cache failed: ${(error as Error).message}`));
    const cached = await series('cached', compileCache);
    return { failed, uncached, cached };
  } finally {
    rmSync(compileCache, { recursive: true, force: true });
  }
}
