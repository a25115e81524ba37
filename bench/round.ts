// One measurement of one variant: a fresh process, seeded, warmed up, then saturation and a fixed
// rate with wrk; the app's CPU time and peak RSS, the Redis processes' CPU time and how busy the
// load CPU was, from /proc; for xwing, the Redis commands per request.
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ApiClient, cpuSeconds, type AppProcess, type ProcessGroup } from '../harness/index.ts';
import { callCounts, perRequest } from './commandstats.ts';
import { sentPerRequest } from './monitor.ts';
import { cpuTimes, peakRssMb } from './proc-stats.ts';
import type { Settings } from './settings.ts';
import type { Headers, Variant } from './variants.ts';
import { failures, wrk } from './wrk.ts';

/** Requests in a row under MONITOR: enough to see any per-request command, few enough to cost nothing. */
const MONITORED_REQUESTS = 100;

export interface RoundContext {
  settings: Settings;
  group: ProcessGroup;
  runDir: string;
}

export type Run = Awaited<ReturnType<typeof measure>>;

export async function measure(ctx: RoundContext, variant: Variant, round: number, rate: number | undefined) {
  const label = `v${variant.id}-r${round}`;
  const profileArgs = ctx.settings.profiling ? ['--cpu-prof', `--cpu-prof-dir=${join(ctx.runDir, 'profiles')}`, `--cpu-prof-name=${label}.cpuprofile`] : [];
  const app = await variant.start(label, profileArgs);
  let run;
  try {
    run = await measureApp(ctx, variant, app, rate);
  } finally {
    await app.stop();
  }
  // Kept only as a size (a failed run keeps its log): the logging check needs the bytes, not the large file.
  const log = ctx.group.logPath(label);
  const logBytes = statSync(log).size;
  if (!ctx.settings.keepLogs) rmSync(log);
  return { round, ...run, logBytes };
}

async function inARow(client: ApiClient, path: string, headers: Headers): Promise<number> {
  for (let i = 0; i < MONITORED_REQUESTS; i++) {
    const res = await client.call('GET', path, { headers });
    if (res.status !== 200) throw new Error(`GET ${path} under MONITOR answered ${res.status}`);
  }
  return MONITORED_REQUESTS;
}

async function measureApp({ settings, group }: RoundContext, variant: Variant, app: AppProcess, rate: number | undefined) {
  const client = new ApiClient(app.url);
  const pid = app.process.pid;
  const load = (seconds: number, headers: Headers, fixedRate?: number) =>
    wrk(group, { url: `${app.url}${variant.path}`, headers, seconds, connections: settings.connections, rate: fixedRate });
  const redisCpu = () => variant.redisPids().reduce((sum, redisPid) => sum + cpuSeconds(redisPid), 0);
  try {
    const headers = await variant.seed(client);
    await load(settings.warmupSeconds, headers);

    const primary = await variant.primary?.();
    const callsBefore = primary && (await callCounts(primary));
    const before = { app: cpuSeconds(pid), redis: redisCpu(), load: cpuTimes(settings.loadCpu) };
    const s = await load(settings.durationSeconds, headers);
    const after = { app: cpuSeconds(pid), redis: redisCpu(), load: cpuTimes(settings.loadCpu) };
    const callsAfter = primary && (await callCounts(primary));
    const saturation = {
      rps: s.rps,
      p50Ms: s.p50Ms,
      p99Ms: s.p99Ms,
      cpuUsPerRequest: ((after.app - before.app) * 1e6) / s.requests,
      /** Below ~95 % the app was not what limited throughput (the generator's core, or neighbours). */
      appCpuShare: (after.app - before.app) / s.seconds,
      /** Near 100 % the load CPU (generator and Redis), not the app, may have set the pace. */
      loadCpuShare: (after.load.busy - before.load.busy) / (after.load.all - before.load.all),
      /** Every Redis process the variant uses (nodes, Sentinels). */
      redisCpuUsPerRequest: ((after.redis - before.redis) * 1e6) / s.requests,
      failures: failures(s),
      non2xx: s.non2xx,
      errors: s.errors,
      timeouts: s.timeouts,
    };

    let fixed;
    if (rate) {
      const start = cpuSeconds(pid);
      const f = await load(settings.durationSeconds, headers, rate);
      const cpuUsPerRequest = ((cpuSeconds(pid) - start) * 1e6) / f.requests;
      fixed = { rate, achievedRps: f.rps, p50Ms: f.p50Ms, p99Ms: f.p99Ms, maxMs: f.maxMs, cpuUsPerRequest, failures: failures(f) };
    }

    let redis;
    if (primary && callsBefore && callsAfter) {
      const sent = await sentPerRequest(primary, () => inARow(client, variant.path, headers));
      const now = await variant.primary?.();
      if (now?.name !== primary.name) throw new Error(`the primary moved from ${primary.name} to ${now?.name ?? '?'} during the round`);
      redis = { primary: primary.name, underLoad: perRequest(callsBefore, callsAfter, s.requests), sent };
    }
    return { saturation, fixed, peakRssMb: peakRssMb(pid), redis };
  } finally {
    client.close();
  }
}
