// What every fault shares: the run's process group, event log and folder, the load settings,
// and the few steps each fault repeats (a check, the request log, waiting for the service to
// settle, the app settings the bounds are derived from).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../app/src/config.ts';
import {
  ApiClient, APP_DEFAULTS, LoadGenerator, log, sleep, startApp, startRedis, waitFor,
  type AppProcess, type EventLog, type ProcessGroup, type RedisNode, type RequestRecord, type User,
} from '../../harness/index.ts';
import type { SentinelTiming } from './chart-sentinel.ts';
import type { Check, Row } from './report.ts';
import { sample, type Sampler } from './sampler.ts';
import { recoveryMs, summarize, type Outcome } from './stats.ts';

export const PASSWORD = 'reliability suite password';

/** Scheduling noise on a 2-core CI machine: a bound is what the configuration allows plus this. */
export const SLACK_MS = 400;
/** How much longer than the app may take a client waits, so that a timeout is the app's, not the client's. */
export const CLIENT_MARGIN_MS = 2000;

/** A load generator, writer or sampler: something a fault starts that must not outlive it. */
export interface Stoppable {
  stop(): Promise<unknown>;
}

export interface RunContext {
  group: ProcessGroup;
  /** What the current fault started besides processes; stopped when it ends, however it ends. */
  running: Stoppable[];
  events: EventLog;
  runDir: string;
  /** Per-fault data folders (Redis's append-only files) live under here. */
  stateDir: string;
  /** Requests per second of the steady load. */
  rate: number;
  /** Logged-in users the load is spread over. */
  users: number;
  /** The app build under test: 'dist', or the path of another build's server entry. */
  entry: string;
  sentinel: SentinelTiming;
}

/**
 * Settings every fault's app runs with, under the harness's own: a short profile lookup keeps the
 * load light. Faults that stall Redis add a shorter command timeout (REDIS_FAULT_ENV).
 */
export const SUITE_ENV: Readonly<Record<string, string>> = { PROFILE_LOOKUP_MS: '20' };
export const REDIS_FAULT_ENV: Readonly<Record<string, string>> = { ...SUITE_ENV, REDIS_COMMAND_TIMEOUT_MS: '500' };

/** The configuration an app started with `env` runs with: every bound is derived from it, never from a copy of a default. */
export function appConfig(env: Readonly<Record<string, string>>): Config {
  return loadConfig({ ...APP_DEFAULTS, REDIS_URL: 'redis://127.0.0.1:6379', ...env });
}

/** Registers `thing` to be stopped when the current fault ends (it may stop it earlier itself). */
export function started<T extends Stoppable>(ctx: RunContext, thing: T): T {
  ctx.running.push(thing);
  return thing;
}

export function check(name: string, ok: boolean, detail: string): Check {
  log(`  ${ok ? 'ok  ' : 'FAIL'} ${name}: ${detail}`);
  return { name, ok, detail };
}

/** Every request of a fault, one JSON line each, for looking closer at a failed check. */
export function saveRecords(ctx: RunContext, name: string, records: readonly RequestRecord[]): void {
  writeFileSync(join(ctx.runDir, `${name}.requests.jsonl`), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

export function noSessionLost(records: readonly Outcome[], after: { lost: string[]; unchecked: string[] }, total: number): Check {
  const underLoad = summarize(records).sessionsLost;
  const unchecked = after.unchecked.length ? `, ${after.unchecked.length} could not be checked (no 200/401 in time)` : '';
  const ok = underLoad === 0 && after.lost.length === 0 && after.unchecked.length === 0;
  return check('no session lost', ok, `401s under load: ${underLoad}, tokens invalid after: ${after.lost.length}/${total}${unchecked}`);
}

/** A standalone redis-server for fault `name`, its data under the run's state folder. */
export function redisFor(ctx: RunContext, name: string, options: { host?: string; port?: number; netns?: string } = {}): Promise<RedisNode> {
  return startRedis(ctx.group, { name: `${name}-redis`, dir: join(ctx.stateDir, name), ...options });
}

export interface UnderLoad {
  app: AppProcess;
  client: ApiClient;
  users: User[];
  load: LoadGenerator;
  sampling: Sampler;
}

/** One app with `env` and logged-in users, sampled, under a steady load for `warmMs` already. */
export async function underLoad(ctx: RunContext, name: string, env: Record<string, string>, { rate = ctx.rate, timeoutMs = 5000, warmMs = 3000 } = {}): Promise<UnderLoad> {
  const app = await startApp(ctx.group, { name: `${name}-app`, env, entry: ctx.entry });
  const client = new ApiClient(app.url);
  const users = await client.createUsers(name, ctx.users, PASSWORD);
  // appendfsync everysec: a session is on disk within a second of its login; the fault comes later.
  await sleep(1200);
  const load = started(ctx, new LoadGenerator({ backends: [{ name: 'app', url: app.url }], users, rate, timeoutMs, clock: () => ctx.events.ms(), maxDurationMs: 120_000 }));
  const sampling = started(ctx, sample(app, () => ctx.events.ms()));
  load.start();
  await sleep(warmMs);
  return { app, client, users, load, sampling };
}

/** Stops the load and the sampling, keeps the requests, and checks every user's session through the app. */
export async function endLoad(ctx: RunContext, name: string, { load, sampling, client, users }: UnderLoad) {
  const records = await load.stop();
  const samples = await sampling.stop();
  saveRecords(ctx, name, records);
  const lost = await client.verifySessions(users);
  client.close();
  return { records, samples, lost };
}

/** A row from the records of a fault and its checks; the failover columns only for Sentinel rows. */
export function row(
  fault: string,
  records: readonly Outcome[],
  options: { since: number; lost: readonly string[]; checks: Check[]; details: Record<string, unknown>; logoutsUndone?: number; failoverMs?: number },
): Row {
  const summary = summarize(records);
  return {
    fault,
    sent: summary.sent,
    failed: summary.failed,
    // A user who saw a 401 under load and whose token is invalid afterwards is one session lost.
    sessionsLost: new Set([...records.filter((r) => r.sessionLost).map((r) => r.user), ...options.lost]).size,
    ...(options.logoutsUndone === undefined ? {} : { logoutsUndone: options.logoutsUndone }),
    ...(options.failoverMs === undefined ? {} : { failoverMs: options.failoverMs }),
    recoveryMs: recoveryMs(records, options.since),
    pass: options.checks.every((c) => c.ok),
    checks: options.checks,
    details: { ...summary, ...options.details },
  };
}

/**
 * Waits (bounded) until the service has answered well for two seconds with almost nothing in
 * flight, so a late recovery is measured rather than cut off by a fixed sleep.
 */
export async function settle(load: LoadGenerator, rate: number, minMs: number): Promise<void> {
  await sleep(minMs);
  await waitFor(
    'requests succeeding again',
    () => {
      const now = load.now();
      const recent = load.records.filter((r) => r.end > now - 2000);
      return load.inFlight <= 5 && recent.length > rate && recent.every((r) => r.ok);
    },
    { timeoutMs: 45_000, intervalMs: 250 },
  ).catch(() => undefined);
  await sleep(2000);
}
