// Redis with Sentinel under load: each row gets a fresh topology (3 redis-server + 3 Sentinels,
// the chart's Sentinel timing), two app processes in Sentinel mode with the app's defaults, a
// steady open-model load from logged-in users that also logs in and out throughout, a writer
// that times the switch on Redis itself, one fault, and afterwards, once the replicas are in sync
// with the new primary, a check through the app of every session that must be valid and every
// token whose logout was acknowledged.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ApiClient, LoadGenerator, replicaOf, sleep, startApp, startReplicated,
  type AppProcess, type RedisNode, type ReplicatedRedis, type RequestRecord, type User,
} from '../../harness/index.ts';
import { appConfig, check, CLIENT_MARGIN_MS, noSessionLost, PASSWORD, row, saveRecords, settle, SLACK_MS, started, SUITE_ENV, type RunContext } from './context.ts';
import { longestWriteGap, startFailoverWriter, writerSwitch, type Switch, type Write } from './failover-writer.ts';
import type { Check, Row } from './report.ts';
import { sample, type Sampler } from './sampler.ts';
import { round, summarize } from './stats.ts';

/** Mostly session checks, some profile reads, and a login and logout cycle in every ninth request. */
const MIX = [['session', 6], ['profile', 2], ['cycle', 1]] as const;
const WARMUP_MS = 2000;
/** The burst before the last row's kill: this many logins and as many logouts, all acknowledged. */
const BURST = 50;

interface Fleet {
  name: string;
  redis: ReplicatedRedis;
  apps: AppProcess[];
  client: ApiClient;
  users: User[];
  load: LoadGenerator;
  holdMs: number;
}

/** What a fault did, on the run's clock. */
interface Injected {
  /** The primary before the fault. */
  old: RedisNode;
  tFault: number;
  /** When a majority of the Sentinels first named another node, if the fault moved the primary. */
  tNamed?: number;
  /** Sessions created by the fault that must still be valid afterwards. */
  kept?: User[];
  /** Tokens the fault logged out (204) that must stay logged out. */
  loggedOut?: string[];
  checks?: Check[];
  details?: Record<string, unknown>;
}

type Fault = (fleet: Fleet, ctx: RunContext) => Promise<Injected>;

/** What the row asserts about failed requests. */
type FailureRule = 'none' | 'detection-window' | 'fail-fast';

interface SentinelRow {
  label: string;
  env?: Record<string, string>;
  failures: FailureRule;
  fault: Fault;
  /** After the verifying reads: e.g. a killed primary restarted, to see it rejoin. */
  afterwards?: (fleet: Fleet, injected: Injected, ctx: RunContext) => Promise<Check[]>;
}

async function startFleet(ctx: RunContext, name: string, extraEnv: Record<string, string>): Promise<Fleet> {
  const redis = await startReplicated(ctx.group, {
    name,
    dir: join(ctx.stateDir, name),
    downAfterMs: ctx.sentinel.downAfterMs,
    failoverTimeoutMs: ctx.sentinel.failoverTimeoutMs,
    quorum: ctx.sentinel.quorum,
  });
  ctx.events.event('topology-started', { fault: name, primary: (await redis.primary()).name, nodes: redis.nodes.map((n) => `${n.name}@${n.port}`) });
  const env = { ...SUITE_ENV, ...redis.appEnv(), ...extraEnv };
  const apps = await Promise.all(['a', 'b'].map((id) => startApp(ctx.group, { name: `${name}-app-${id}`, env, entry: ctx.entry })));
  const [first] = apps;
  if (!first) throw new Error('unreachable');
  const client = new ApiClient(first.url);
  const users = await client.createUsers(name, ctx.users, PASSWORD);
  await redis.waitInSync();
  const holdMs = appConfig(env).REDIS_FAILOVER_HOLD_MS;
  const load = started(ctx, new LoadGenerator({
    backends: apps.map((app) => ({ name: app.name, url: app.url })),
    users,
    rate: ctx.rate,
    mix: MIX,
    // Longer than the app may hold a request (plus a stalled attempt), so that the app's answer is what counts.
    timeoutMs: holdMs + 2 * appConfig(env).REDIS_COMMAND_TIMEOUT_MS + CLIENT_MARGIN_MS,
    clock: () => ctx.events.ms(),
    maxDurationMs: 120_000,
  }));
  return { name, redis, apps, client, users, load, holdMs };
}

/** Until a majority of the Sentinels names a node other than `old` that reports itself primary. */
async function newPrimary(fleet: Fleet, old: RedisNode, ctx: RunContext): Promise<{ node: RedisNode; tNamed: number }> {
  const { downAfterMs, failoverTimeoutMs } = ctx.sentinel;
  const node = await fleet.redis.waitForPrimary({ not: old, timeoutMs: downAfterMs + failoverTimeoutMs + 5000 });
  const tNamed = ctx.events.ms();
  ctx.events.event('primary-switch', { fault: fleet.name, from: old.name, to: node.name });
  return { node, tNamed };
}

const requested =
  (kind: string): Fault =>
  async ({ redis, name }, ctx) => {
    const old = await redis.primary();
    const tFault = ctx.events.ms();
    ctx.events.event('fault', { fault: name, kind, node: old.name });
    const result = await redis.requestFailover();
    const tNamed = tFault + result.ms;
    ctx.events.event('primary-switch', { fault: name, from: result.from.name, to: result.to.name, pausedMs: round(result.ms), totalMs: round(result.totalMs) });
    return { old, tFault, tNamed, details: { pausedMs: round(result.ms), handoverMs: round(result.totalMs) } };
  };

async function killPrimary(fleet: Fleet, ctx: RunContext): Promise<Injected> {
  const old = await fleet.redis.primary();
  const tFault = ctx.events.ms();
  await old.kill('SIGKILL');
  ctx.events.event('fault', { fault: fleet.name, kind: 'SIGKILL', node: old.name });
  const { tNamed } = await newPrimary(fleet, old, ctx);
  return { old, tFault, tNamed, details: { detectionMs: round(tNamed - tFault) } };
}

/** The killed primary, restarted, asks the Sentinels who leads and comes back as a replica. */
async function killedPrimaryRejoins({ redis, name }: Fleet, { old }: Injected, ctx: RunContext): Promise<Check[]> {
  await old.restart();
  ctx.events.event('restart', { fault: name, node: old.name });
  const primary = await redis.primary();
  const ms = await replicaOf(old, primary, { timeoutMs: 15_000, intervalMs: 100 }).catch(() => Number.NaN);
  ctx.events.event('rejoined', { fault: name, node: old.name, primary: primary.name, tookMs: round(ms) });
  return [check('the killed primary rejoins as a replica when restarted', Number.isFinite(ms), `${old.name} a replica of ${primary.name} ${round(ms)} ms after its restart`)];
}

const hangPrimary: Fault = async (fleet, ctx) => {
  const old = await fleet.redis.primary();
  const tFault = ctx.events.ms();
  await old.kill('SIGSTOP');
  ctx.events.event('fault', { fault: fleet.name, kind: 'SIGSTOP', node: old.name });
  let promoted: { node: RedisNode; tNamed: number };
  try {
    promoted = await newPrimary(fleet, old, ctx);
  } finally {
    // Hung for the whole detection (down-after) and election, then back.
    await old.kill('SIGCONT');
    ctx.events.event('resumed', { fault: fleet.name, node: old.name, hungMs: round(ctx.events.ms() - tFault) });
  }
  // Sentinel turns a returning old primary into a replica only once it has been reachable, still
  // claiming to be primary, for 4 of its 2 s hello periods (sentinel.c), and notices at its next
  // INFO; the load keeps running meanwhile, so any request it would break is counted.
  const rejoinBoundMs = 8000 + ctx.sentinel.failoverTimeoutMs;
  const rejoinMs = await replicaOf(old, promoted.node, { timeoutMs: rejoinBoundMs, intervalMs: 100 }).catch(() => Number.NaN);
  ctx.events.event('rejoined', { fault: fleet.name, node: old.name, primary: promoted.node.name, tookMs: round(rejoinMs) });
  return {
    old,
    tFault,
    tNamed: promoted.tNamed,
    checks: [
      check('the hung primary rejoins as a replica after SIGCONT', Number.isFinite(rejoinMs), `${old.name} a replica of ${promoted.node.name} ${round(rejoinMs)} ms after SIGCONT (bound ${rejoinBoundMs})`),
    ],
    details: { detectionMs: round(promoted.tNamed - tFault), rejoinMs: round(rejoinMs) },
  };
};

const killReplica: Fault = async ({ redis, name }, ctx) => {
  const old = await redis.primary();
  const replica = redis.nodes.find((node) => node !== old);
  if (!replica) throw new Error(`${name}: no replica`);
  const tFault = ctx.events.ms();
  await replica.kill('SIGKILL');
  ctx.events.event('fault', { fault: name, kind: 'SIGKILL', node: replica.name });
  await sleep(2000);
  await replica.restart();
  ctx.events.event('restart', { fault: name, node: replica.name });
  const syncMs = await redis.waitInSync(15_000);
  ctx.events.event('in-sync', { fault: name, tookMs: round(syncMs) });
  const primary = await redis.primary();
  return {
    old,
    tFault,
    checks: [check('the primary stays', primary === old, `${primary.name} (was ${old.name}); the restarted ${replica.name} in sync ${round(syncMs)} ms after its restart`)],
  };
};

/** Logins and logouts acknowledged just before the kill: the new primary must have every one of them. */
const burstThenKill: Fault = async (fleet, ctx) => {
  const { client, name } = fleet;
  const arriving = Array.from({ length: BURST }, (_, i) => `${name}-arriving-${i}`);
  await Promise.all(arriving.map((username) => client.register(username, PASSWORD)));
  const leaving = await client.createUsers(`${name}-leaving`, BURST, PASSWORD);
  const tBurst = ctx.events.ms();
  const [logins, logouts] = await Promise.all([
    Promise.all(arriving.map((username) => client.login(username, PASSWORD).then(({ token }) => ({ username, password: PASSWORD, token }), () => undefined))),
    Promise.all(leaving.map((user) => client.logout(user.token).catch(() => 0))),
  ]);
  const kept = logins.filter((user): user is User => user !== undefined);
  const acknowledged = logouts.filter((status) => status === 204).length;
  ctx.events.event('burst', { fault: name, logins: kept.length, logouts: acknowledged, tookMs: round(ctx.events.ms() - tBurst) });
  const killed = await killPrimary(fleet, ctx);
  return {
    ...killed,
    kept,
    loggedOut: leaving.filter((_, i) => logouts[i] === 204).map((user) => user.token),
    checks: [check(`all ${BURST} logins and ${BURST} logouts acknowledged before the kill`, kept.length === BURST && acknowledged === BURST, `${kept.length} logins 200, ${acknowledged} logouts 204`)],
  };
};

/** Checks `tokens` through the app: how many a session check still accepts, and how many it could not check. */
async function stillAccepted(client: ApiClient, tokens: readonly string[]): Promise<{ undone: number; unchecked: number }> {
  const { lost, unchecked } = await client.verifySessions(tokens.map((token, i) => ({ username: `logged-out-${i}`, token })));
  return { undone: tokens.length - lost.length - unchecked.length, unchecked: unchecked.length };
}

function failureChecks(rule: FailureRule, records: readonly RequestRecord[], injected: Injected, fleet: Fleet, commandTimeoutMs: number): Check[] {
  const failures = records.filter((r) => !r.ok);
  const summary = summarize(records);
  const failedBy = JSON.stringify(summary.failedBy);
  switch (rule) {
    case 'none':
      return [check('zero failed requests', failures.length === 0, `${failures.length} of ${summary.sent} failed ${failedBy}`)];
    case 'fail-fast': {
      // Without a hold the runner gives up on the first failed attempt: a refused command fails
      // at once, a paused or hung one after its command timeout, which auto-pipelining can double.
      const bound = 2 * commandTimeoutMs + SLACK_MS;
      const worst = round(Math.max(0, ...failures.map((r) => r.end - r.start)));
      return [
        check('every failure is a fast 503', failures.every((r) => r.status === 503) && worst <= bound, `${failures.length} of ${summary.sent} failed ${failedBy}, slowest ${worst} ms (bound ${bound} = 2 × ${commandTimeoutMs} + ${SLACK_MS})`),
      ];
    }
    case 'detection-window': {
      // Requests that meet the outage wait for the new primary up to the hold and fail at its end;
      // once the outage is older than the hold they fail at once. Either way a failure ends no
      // later than the hold after the new primary is named (the client reconnects within one
      // 500 ms back-off step of that, and an attempt overrunning its deadline on a hung primary
      // runs at most two command timeouts, both less than the hold).
      const from = injected.tFault;
      const to = (injected.tNamed ?? Number.NaN) + fleet.holdMs + SLACK_MS;
      const outside = failures.filter((r) => !(r.end >= from && r.end <= to));
      return [
        check('failures only inside the detection window', outside.length === 0 && failures.every((r) => r.status === 503),
          `${failures.length} of ${summary.sent} failed ${failedBy}; ${outside.length} outside fault..named+hold = ${round(from)}..${round(to)} ms`),
      ];
    }
  }
}

function readinessCheck(samplers: readonly { app: AppProcess; samples: readonly { ready: number }[] }[]): Check {
  const notReady = samplers.map(({ app, samples }) => `${app.name} ${samples.filter((s) => s.ready !== 200).length}/${samples.length}`);
  const ok = samplers.every(({ samples }) => samples.length > 0 && samples.every((s) => s.ready === 200));
  return check('both apps stay ready (the Service never empties)', ok, `readiness probes failed: ${notReady.join(', ')}`);
}

function switchChecks(spec: SentinelRow, injected: Injected, switched: Switch | undefined): Check[] {
  if (injected.tNamed === undefined) return [];
  const detail = switched
    ? `${switched.lastOld.node ?? '?'} → ${switched.firstNew.node ?? '?'} in ${round(switched.ms)} ms; ${switched.lostWrites} acknowledged increments missing on the new primary, ` +
      `${switched.deposedAcks} acknowledged by the old one after the switch`
    : 'no acknowledged write on another node';
  const moved = check('the writer moved to the new primary', switched !== undefined, detail);
  // Only a paused handover promises every acknowledged write: after a kill or a hang replication
  // is asynchronous, and the writer, unlike the app's logins and logouts, does not WAIT.
  if (spec.failures === 'detection-window') return [moved];
  return [moved, check('no acknowledged write lost (writer)', switched?.lostWrites === 0, `${switched?.lostWrites ?? '?'} increments acknowledged by the old primary missing on the new one`)];
}

async function runRow(ctx: RunContext, name: string, spec: SentinelRow): Promise<Row> {
  const fleet = await startFleet(ctx, name, spec.env ?? {});
  const clock = () => ctx.events.ms();
  const samplers: { app: AppProcess; sampler: Sampler }[] = fleet.apps.map((app) => ({ app, sampler: started(ctx, sample(app, clock, { everyMs: 250 })) }));
  fleet.load.start();
  const writer = started(ctx, startFailoverWriter(fleet.redis, clock));
  await sleep(WARMUP_MS);
  const injected = await spec.fault(fleet, ctx);
  await settle(fleet.load, ctx.rate, 1000);
  const records = await fleet.load.stop();
  const writes: Write[] = await writer.stop();
  const readiness = await Promise.all(samplers.map(async ({ app, sampler }) => ({ app, samples: await sampler.stop() })));
  saveRecords(ctx, name, records);
  writeFileSync(join(ctx.runDir, `${name}.writes.jsonl`), writes.map((w) => JSON.stringify(w)).join('\n') + '\n');

  // Verifying reads only once the new primary's replicas have everything: a read that passes on
  // a primary about to lose data to a resync would prove nothing.
  const syncMs = await fleet.redis.waitInSync(20_000);
  ctx.events.event('in-sync', { fault: name, tookMs: round(syncMs) });
  const mustBeValid = [...fleet.users, ...(injected.kept ?? [])];
  const sessions = await fleet.client.verifySessions(mustBeValid);
  const cycleLogouts = records.filter((r) => r.op === 'cycle' && r.status === 204 && r.token !== undefined).map((r) => r.token ?? '');
  const loggedOut = [...cycleLogouts, ...(injected.loggedOut ?? [])];
  const logouts = await stillAccepted(fleet.client, loggedOut);
  const later = spec.afterwards ? await spec.afterwards(fleet, injected, ctx) : [];
  fleet.client.close();

  const config = appConfig({ ...SUITE_ENV, ...fleet.redis.appEnv(), ...spec.env });
  const switched = injected.tNamed === undefined ? undefined : writerSwitch(writes, injected.old.name, injected.tNamed);
  const checks = [
    ...(injected.checks ?? []),
    ...failureChecks(spec.failures, records, injected, fleet, config.REDIS_COMMAND_TIMEOUT_MS),
    noSessionLost(records, sessions, mustBeValid.length),
    check('no logout undone', logouts.undone === 0 && logouts.unchecked === 0, `${logouts.undone} of ${loggedOut.length} logged-out tokens accepted again, ${logouts.unchecked} could not be checked`),
    readinessCheck(readiness),
    ...switchChecks(spec, injected, switched),
    ...later,
  ];
  return row(spec.label, records, {
    since: injected.tFault,
    lost: sessions.lost,
    checks,
    logoutsUndone: logouts.undone,
    ...(switched ? { failoverMs: round(switched.ms) } : {}),
    details: {
      ...injected.details,
      holdMs: fleet.holdMs,
      tFault: round(injected.tFault),
      ...(injected.tNamed === undefined ? {} : { tNamed: round(injected.tNamed) }),
      writes: writes.length,
      writesAcknowledged: writes.filter((w) => w.ok).length,
      writerLostWrites: switched?.lostWrites,
      writerDeposedAcks: switched?.deposedAcks,
      longestWriteGapMs: round(longestWriteGap(writes)),
      logoutsChecked: loggedOut.length,
      sessionsChecked: mustBeValid.length,
      inSyncMs: round(syncMs),
    },
  });
}

const ROWS: Record<string, SentinelRow> = {
  'sentinel-requested': { label: 'Sentinel: requested failover (pause + SENTINEL FAILOVER)', failures: 'none', fault: requested('requested failover') },
  'sentinel-requested-nohold': {
    label: 'Sentinel: requested failover, REDIS_FAILOVER_HOLD_MS=0',
    env: { REDIS_FAILOVER_HOLD_MS: '0' },
    failures: 'fail-fast',
    fault: requested('requested failover, no hold'),
  },
  'sentinel-primary-kill': { label: 'Sentinel: primary SIGKILL', failures: 'detection-window', fault: killPrimary, afterwards: killedPrimaryRejoins },
  'sentinel-primary-hang': { label: 'Sentinel: primary SIGSTOP, SIGCONT after the failover', failures: 'detection-window', fault: hangPrimary },
  'sentinel-replica-kill': { label: 'Sentinel: replica SIGKILL, restart after 2 s', failures: 'none', fault: killReplica },
  'sentinel-burst-kill': {
    label: `Sentinel: primary SIGKILL right after ${BURST} logins + ${BURST} logouts`,
    failures: 'detection-window',
    fault: burstThenKill,
    afterwards: killedPrimaryRejoins,
  },
};

/** The Sentinel rows, by the name RELIABILITY_FAULTS selects them with. */
export const SENTINEL_FAULTS: Record<string, (ctx: RunContext) => Promise<Row>> = Object.fromEntries(
  Object.entries(ROWS).map(([name, spec]) => [name, (ctx: RunContext) => runRow(ctx, name, spec)]),
);
