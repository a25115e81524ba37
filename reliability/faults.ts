// The loopback fault suite (make reliability): each fault gets its own Redis (standalone, or three
// redis-server and three Sentinels) and app process(es), a steady open-model load from logged-in
// users, the fault itself, and checks on what the load saw. Prints the table; writes results.json,
// results.md, events.jsonl (every fault, restart and primary switch), each fault's requests and
// the process logs into results/<utc>-reliability-faults/; exits 1 when any guarantee failed.
//   RELIABILITY_FAULTS=a,b   run only these (names below)
//   RELIABILITY_RATE, RELIABILITY_USERS, RELIABILITY_NETCUT_MS, RELIABILITY_SLOW_CLIENTS, RELIABILITY_SERVER
//   RELIABILITY_NETNS, RELIABILITY_HOST_IF, RELIABILITY_HOST_CIDR, RELIABILITY_NS_CIDR, RELIABILITY_NETNS_REDIS_PORT
import { writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { log } from '../harness/index.ts';
import { appSignals, fdExhaustion, slowClients } from './lib/app-faults.ts';
import { chartSentinelTiming } from './lib/chart-sentinel.ts';
import { appConfig, REDIS_FAULT_ENV, type RunContext } from './lib/context.ts';
import { netnsSettings } from './lib/netns.ts';
import { redisKill, redisNetcut, redisPause, redisVanished } from './lib/redis-faults.ts';
import { renderMarkdown, renderTable, type Row, type RunResult } from './lib/report.ts';
import { openRun, preflight } from './lib/run.ts';
import { SENTINEL_FAULTS } from './lib/sentinel-faults.ts';
import { round } from './lib/stats.ts';

const env = process.env;
const netns = netnsSettings(env);

const FAULTS: Record<string, (ctx: RunContext) => Promise<Row | Row[]>> = {
  'redis-kill': redisKill,
  'redis-pause': redisPause,
  'redis-netcut': (ctx) => redisNetcut(ctx, netns, Number(env.RELIABILITY_NETCUT_MS ?? 8000)),
  'redis-vanished': (ctx) => redisVanished(ctx, netns),
  'app-signals': appSignals,
  'slow-clients': (ctx) => slowClients(ctx, Number(env.RELIABILITY_SLOW_CLIENTS ?? 100)),
  'fd-exhaustion': fdExhaustion,
  ...SENTINEL_FAULTS,
};
const NEEDS_NETNS = new Set(['redis-netcut', 'redis-vanished']);

/** One fault's rows; a fault that throws is a failed row, and whatever it started is stopped either way. */
async function runFault(ctx: RunContext, name: string): Promise<Row[]> {
  log(`fault ${name}`);
  ctx.events.event('fault-start', { fault: name });
  try {
    const fault = FAULTS[name];
    return fault ? [await fault(ctx)].flat() : [];
  } catch (error) {
    log(`  FAIL ${name}: ${(error as Error).stack ?? String(error)}`);
    return [{ fault: name, sent: 0, failed: 0, sessionsLost: 0, recoveryMs: Number.NaN, pass: false, checks: [{ name: 'ran to the end', ok: false, detail: (error as Error).message }], details: {} }];
  } finally {
    await Promise.allSettled(ctx.running.splice(0).map((thing) => thing.stop()));
    await ctx.group.stopAll({ signal: 'SIGKILL' });
    ctx.events.event('fault-end', { fault: name });
  }
}

async function main(): Promise<void> {
  const selected = (env.RELIABILITY_FAULTS ?? Object.keys(FAULTS).join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = selected.filter((name) => !(name in FAULTS));
  if (unknown.length) throw new Error(`unknown fault ${unknown.join(', ')}; known: ${Object.keys(FAULTS).join(', ')}`);
  const entry = env.RELIABILITY_SERVER ?? 'dist';
  preflight({ netns: selected.some((name) => NEEDS_NETNS.has(name)), entry });

  const { group, events, runDir, stateDir, finish } = openRun('faults');
  const ctx: RunContext = {
    group, events, runDir, stateDir, entry, running: [],
    rate: Number(env.RELIABILITY_RATE ?? 100),
    users: Number(env.RELIABILITY_USERS ?? 50),
    sentinel: chartSentinelTiming(),
  };
  const rows: Row[] = [];
  const started = performance.now();
  try {
    for (const name of selected) rows.push(...(await runFault(ctx, name)));
  } finally {
    finish();
  }
  const suite = appConfig(REDIS_FAULT_ENV);
  const result: RunResult = {
    startedAt: new Date(Date.now() - (performance.now() - started)).toISOString(),
    durationS: round((performance.now() - started) / 1000),
    settings: {
      rate: ctx.rate, users: ctx.users, redisCommandTimeoutMs: suite.REDIS_COMMAND_TIMEOUT_MS, failoverHoldMs: suite.REDIS_FAILOVER_HOLD_MS,
      sentinel: ctx.sentinel, node: process.version, server: ctx.entry, loadAverage: loadavg().map((l) => round(l, 2)), cpus: availableParallelism(),
    },
    pass: rows.every((r) => r.pass),
    rows,
  };
  writeFileSync(join(runDir, 'results.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(runDir, 'results.md'), renderMarkdown(result));
  process.stdout.write(`\n${renderTable(result)}\nresults in ${runDir}\n`);
  process.exitCode = result.pass ? 0 : 1;
}

await main();
