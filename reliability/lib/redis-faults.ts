// A standalone Redis failing under one app process and a steady load: killed, stalled, cut off,
// or its connection black-holed. Every bound is derived from the app's configuration (command
// timeout C = 500 ms here, failover hold H, connect timeout) and its Redis client
// (app/src/redis/client.ts): a request that meets a fresh outage is held up to H waiting for the
// connection to come back and is then served or gets a 503; once the outage is older than H,
// requests fail at once; /readyz stays 200 for the readiness grace, longer than any fault here.
import { sleep, type RequestRecord } from '../../harness/index.ts';
import {
  appConfig, check, CLIENT_MARGIN_MS, endLoad, noSessionLost, REDIS_FAULT_ENV, redisFor, row, settle, SLACK_MS, started, underLoad, type RunContext,
} from './context.ts';
import { NetworkNamespace, type NetnsSettings } from './netns.ts';
import type { Check, Row } from './report.ts';
import { peak, type Sample } from './sampler.ts';
import { firstFailureAfter, recoveryMs, round, summarize } from './stats.ts';

/** app/src/redis/client.ts caps its reconnect back-off at this: one step is the longest a reconnect waits. */
const RECONNECT_BACKOFF_MAX_MS = 500;
const MiB = 1024 * 1024;

interface Bounds {
  commandMs: number;
  holdMs: number;
  connectMs: number;
  /** A command on a stalled connection: auto-pipelining writes a command (and arms its timeout) only once the pipeline ahead of it has timed out. */
  stallMs: number;
  /** The longest any request may take while Redis stalls: held up to H, and an attempt started just before the deadline runs its stalled course. */
  heldMs: number;
  /** ioredis destroys a connection on which nothing arrived for this long while commands waited. */
  socketTimeoutMs: number;
  /** /readyz stays 200 while Redis has been unreachable for less than this. */
  graceMs: number;
}

function bounds(env: Record<string, string>): Bounds {
  const config = appConfig(env);
  const commandMs = config.REDIS_COMMAND_TIMEOUT_MS;
  const stallMs = 2 * commandMs;
  return {
    commandMs,
    holdMs: config.REDIS_FAILOVER_HOLD_MS,
    connectMs: config.REDIS_CONNECT_TIMEOUT_MS,
    stallMs,
    heldMs: config.REDIS_FAILOVER_HOLD_MS + stallMs + SLACK_MS,
    socketTimeoutMs: 2 * commandMs,
    graceMs: config.REDIS_READINESS_GRACE_MS,
  };
}

/** A redis-server, and one app on it with logged-in users, sampled, under a steady load for 3 s already. */
async function redisUnderLoad(ctx: RunContext, name: string, redisOptions: Parameters<typeof redisFor>[2] = {}) {
  const redis = await redisFor(ctx, name, redisOptions);
  const env = { ...REDIS_FAULT_ENV, REDIS_URL: redis.url };
  const b = bounds(env);
  // The client waits longer than the app may hold a request, so that what is measured is the app's answer.
  return { ...(await underLoad(ctx, name, env, { timeoutMs: b.heldMs + CLIENT_MARGIN_MS })), b, redis };
}

function everyFailureIs503(records: readonly RequestRecord[]): Check {
  return check('every failure is a 503', records.every((r) => r.ok || r.status === 503), JSON.stringify(summarize(records).failedBy));
}

/** Every fault here is shorter than the readiness grace: the app must never have left the Service. */
function readyThroughout(samples: readonly Sample[], b: Bounds): Check {
  const failed = samples.filter((s) => s.ready !== 200).length;
  return check('readiness stays green within the grace', samples.length > 0 && failed === 0, `${failed} of ${samples.length} readiness probes failed (grace ${b.graceMs} ms)`);
}

/** Failures that started once the outage was older than the hold must be fast: nothing waits for a Redis that is really gone. */
function lateFailuresFast(records: readonly RequestRecord[], outageSince: number, b: Bounds, until: number): Check {
  const late = records.filter((r) => !r.ok && r.start >= outageSince + b.holdMs + SLACK_MS && r.start < until);
  const worst = round(Math.max(0, ...late.map((r) => r.end - r.start)));
  return check(
    'once the outage is older than the hold, requests fail fast',
    late.length > 0 && worst <= b.commandMs + SLACK_MS,
    `${late.length} such failures, slowest ${worst} ms (bound ${b.commandMs + SLACK_MS})`,
  );
}

function worstLatency(records: readonly RequestRecord[]): number {
  return round(Math.max(0, ...records.map((r) => r.end - r.start)));
}

/**
 * redis-server SIGKILLed under load, restarted from its append-only file 2 s after the hold ran
 * out, so that both halves show: requests held while the outage is fresh, then fast 503s.
 */
export async function redisKill(ctx: RunContext): Promise<Row> {
  const setup = await redisUnderLoad(ctx, 'redis-kill');
  const { redis, app, users, load, b } = setup;
  const downMs = b.holdMs + 2000;
  const tKill = load.now();
  await redis.kill('SIGKILL');
  ctx.events.event('fault', { fault: 'redis-kill', kind: 'SIGKILL', node: redis.name });
  await sleep(downMs);
  const tRestart = load.now();
  await redis.restart();
  const tUp = load.now();
  ctx.events.event('restart', { fault: 'redis-kill', node: redis.name, tookMs: round(tUp - tRestart) });
  await sleep(6000);
  const { records, samples, lost } = await endLoad(ctx, 'redis-kill', setup);

  const down = records.filter((r) => r.start >= tKill && r.start < tUp);
  const downFailed = down.filter((r) => !r.ok).length;
  // The kill closes the connection at once, so no command is left to time out: a request either
  // waits for the connection up to the hold, or fails at once.
  const worst = worstLatency(records);
  const holdBound = b.holdMs + SLACK_MS;
  const recovery = recoveryMs(records, tUp);
  const recoverBound = RECONNECT_BACKOFF_MAX_MS + 2 * SLACK_MS;
  const checks = [
    check('the outage was seen', downFailed > 0, `${downFailed} of ${down.length} requests started while Redis was down failed, the rest were held and served`),
    everyFailureIs503(records),
    check('no request waits longer than the hold', worst <= holdBound, `slowest request ${worst} ms (bound ${holdBound} = hold ${b.holdMs} + ${SLACK_MS})`),
    lateFailuresFast(records, tKill, b, tUp),
    check('recovers by itself', recovery <= recoverBound, `${recovery} ms after redis-server answered again (bound ${recoverBound}: one reconnect back-off step)`),
    readyThroughout(samples, b),
    noSessionLost(records, lost, users.length),
    check('the app never restarted', app.process.alive, `pid ${app.process.pid} ${app.process.alive ? 'alive' : 'gone'}`),
  ];
  return row(`Redis SIGKILL, restart after ${downMs / 1000} s`, records, {
    since: tUp,
    lost: lost.lost,
    checks,
    details: { downMs: round(tUp - tKill), restartTookMs: round(tUp - tRestart), worstMs: worst, downFailed, downSent: down.length, tKill: round(tKill), tUp: round(tUp) },
  });
}

/**
 * Redis stalls (CLIENT PAUSE ALL) under load for 2 s longer than the hold: latency capped by the
 * hold, no pile-up.
 */
export async function redisPause(ctx: RunContext): Promise<Row> {
  const setup = await redisUnderLoad(ctx, 'redis-pause');
  const { redis, users, load, b } = setup;
  const pauseMs = b.holdMs + 2000;
  const tPause = load.now();
  await redis.cli('CLIENT', 'PAUSE', pauseMs, 'ALL');
  ctx.events.event('fault', { fault: 'redis-pause', kind: 'CLIENT PAUSE ALL', pauseMs });
  await sleep(pauseMs);
  const tEnd = load.now();
  await sleep(5000);
  const { records, samples, lost } = await endLoad(ctx, 'redis-pause', setup);

  const before = samples.filter((s) => s.t < tPause);
  const during = samples.filter((s) => s.t >= tPause && s.t < tEnd + 1000);
  const after = samples.slice(-5);
  const baseRss = peak(before, 'rss');
  const baseHandles = peak(before, 'handles');
  const paused = records.filter((r) => r.start >= tPause && r.start < tEnd);
  const pausedFailed = paused.filter((r) => !r.ok).length;
  const worst = worstLatency(records);
  // Little's law: at `rate` req/s and at most heldMs each, this many can be in flight.
  const inFlightBound = Math.ceil((ctx.rate * b.heldMs) / 1000) + 10;
  const rssGrowth = (peak(during, 'rss') - baseRss) / MiB;
  const rssAfter = (peak(after, 'rss') - baseRss) / MiB;
  const rssPeak = (peak(samples, 'rss') - baseRss) / MiB;
  const recovery = recoveryMs(records, tEnd);
  const recoverBound = RECONNECT_BACKOFF_MAX_MS + 2 * SLACK_MS;
  const checks = [
    check('the stall was seen', pausedFailed > 0, `${pausedFailed} of ${paused.length} started during the pause failed, the rest were held and served`),
    everyFailureIs503(records),
    check('latency bounded by the hold', worst <= b.heldMs, `slowest request ${worst} ms (bound ${b.heldMs} = hold ${b.holdMs} + 2 × ${b.commandMs} + ${SLACK_MS})`),
    check('no pile-up (client side)', load.peakInFlight <= inFlightBound, `peak in flight ${load.peakInFlight} (bound ${inFlightBound})`),
    check('no pile-up (app handles)', peak(during, 'handles') - baseHandles <= inFlightBound, `active handles ${baseHandles} → peak ${peak(during, 'handles')}`),
    check('memory bounded', rssPeak <= 64, `RSS ${round(baseRss / MiB, 1)} MiB before, +${round(rssGrowth, 1)} MiB during, +${round(rssAfter, 1)} MiB after (bound +64)`),
    check('recovers by itself', recovery <= recoverBound, `${recovery} ms after the pause ended (bound ${recoverBound}: one reconnect back-off step)`),
    readyThroughout(samples, b),
    noSessionLost(records, lost, users.length),
  ];
  return row(`Redis stalled ${pauseMs / 1000} s (CLIENT PAUSE)`, records, {
    since: tEnd,
    lost: lost.lost,
    checks,
    details: { tPause: round(tPause), tEnd: round(tEnd), worstMs: worst, peakInFlight: load.peakInFlight, rssBaseMiB: round(baseRss / MiB, 1), rssGrowthMiB: round(rssGrowth, 1) },
  });
}

/**
 * Redis inside a fresh namespace (removed when the fault ends, once every process is gone), the app
 * outside it under load, and the app's connections as Redis lists them.
 */
async function behindNamespace(ctx: RunContext, name: string, settings: NetnsSettings) {
  const ns = await NetworkNamespace.create(settings);
  started(ctx, { stop: () => ctx.group.stopAll({ signal: 'SIGKILL' }).then(() => ns.remove()) });
  const setup = await redisUnderLoad(ctx, name, { host: ns.address, port: ns.port, netns: ns.name });
  const { redis } = setup;
  // id, and the client port a black-hole rule can match.
  const clients = async () =>
    (await redis.cli('CLIENT', 'LIST'))
      .split('\n')
      .filter((line) => / name=xwing:/.test(line))
      .map((line) => ({ id: /^id=(\d+)/.exec(line)?.[1] ?? '?', port: Number(/ addr=[^ ]+:(\d+) /.exec(line)?.[1]) }));
  return { ...setup, ns, clients };
}

/** Packets to and from Redis dropped (no FIN, no RST) for 8 s, then let through again. */
export async function redisNetcut(ctx: RunContext, settings: NetnsSettings, cutMs: number): Promise<Row> {
  const setup = await behindNamespace(ctx, 'redis-netcut', settings);
  const { clients, ns, users, load, b } = setup;
  const idsBefore = (await clients()).map((c) => c.id).join(',');
  const tCut = load.now();
  await ns.cut();
  ctx.events.event('fault', { fault: 'redis-netcut', kind: 'netns DROP', ms: cutMs });
  await sleep(cutMs);
  const tRestore = load.now();
  await ns.restore();
  ctx.events.event('restore', { fault: 'redis-netcut' });
  await settle(load, ctx.rate, b.stallMs + SLACK_MS);
  const { records, samples, lost } = await endLoad(ctx, 'redis-netcut', setup);
  const idsAfter = (await clients()).map((c) => c.id).join(',');

  const detectMs = firstFailureAfter(records, tCut);
  const during = records.filter((r) => r.start >= tCut && r.start < tRestore);
  const duringFailed = during.filter((r) => !r.ok).length;
  const worst = worstLatency(during);
  const recovery = recoveryMs(records, tRestore);
  // An attempt to connect during the cut hangs until the connect timeout; then one back-off step.
  const recoverBound = b.connectMs + RECONNECT_BACKOFF_MAX_MS + 2 * SLACK_MS;
  const checks = [
    check('the cut was seen', duringFailed > 0, `${duringFailed} of ${during.length} failed during the cut`),
    check('noticed within the hold', detectMs !== undefined && detectMs <= b.heldMs, `first failure ${detectMs} ms after the cut (bound ${b.heldMs})`),
    everyFailureIs503(records),
    check('no request waits longer than the hold', worst <= b.heldMs, `slowest ${worst} ms (bound ${b.heldMs} = hold ${b.holdMs} + 2 × ${b.commandMs} + ${SLACK_MS})`),
    // The app gives the connection up after its socket timeout; the outage counts from then.
    lateFailuresFast(records, tCut + b.socketTimeoutMs, b, tRestore),
    check('serving again soon after the restore', recovery <= recoverBound, `${recovery} ms after the restore (bound ${recoverBound} = connect timeout + back-off + slack); connection ids ${idsBefore} → ${idsAfter}`),
    readyThroughout(samples, b),
    noSessionLost(records, lost, users.length),
  ];
  return row(`Redis link cut ${cutMs / 1000} s, then restored (netns DROP)`, records, {
    since: tRestore,
    lost: lost.lost,
    checks,
    details: { detectMs, worstMs: worst, reconnected: idsBefore !== idsAfter, idsBefore, idsAfter, tCut: round(tCut), tRestore: round(tRestore) },
  });
}

/**
 * The app's Redis connection black-holed for good, as when the Redis pod's node dies and the
 * Service sends new connections to a replacement: Redis stays reachable for new connections, so
 * the client must give up the dead one by itself. Without the hold every command on the dead
 * connection failed fast; with it, requests wait through the socket timeout and the reconnect.
 */
export async function redisVanished(ctx: RunContext, settings: NetnsSettings): Promise<Row> {
  const setup = await behindNamespace(ctx, 'redis-vanished', settings);
  const { clients, ns, users, load, b } = setup;
  const before = await clients();
  const tCut = load.now();
  for (const c of before) await ns.blackhole(c.port);
  ctx.events.event('fault', { fault: 'redis-vanished', kind: 'netns DROP of the established connections', ports: before.map((c) => c.port) });
  await settle(load, ctx.rate, b.stallMs + SLACK_MS);
  const { records, samples, lost } = await endLoad(ctx, 'redis-vanished', setup);
  const after = await clients();

  const failures = records.filter((r) => !r.ok);
  const worst = worstLatency(records.filter((r) => r.start >= tCut));
  // Commands on the dead connection time out (up to 2 C with auto-pipelining) until nothing has
  // arrived for the socket timeout; ioredis then destroys it, and the next back-off step opens
  // a new connection, on which the held requests are served.
  const replaceBound = b.socketTimeoutMs + b.stallMs + RECONNECT_BACKOFF_MAX_MS + SLACK_MS;
  const replaced = after.some((a) => !before.some((c) => c.id === a.id));
  const checks = [
    check('the loss was felt', worst >= b.commandMs, `slowest request after the black-hole ${worst} ms (at least the command timeout ${b.commandMs})`),
    everyFailureIs503(records),
    check('drops the dead connection and reconnects, holding requests meanwhile', replaced && worst <= replaceBound,
      `slowest request ${worst} ms (bound ${replaceBound} = socket timeout ${b.socketTimeoutMs} + 2 × ${b.commandMs} + back-off ${RECONNECT_BACKOFF_MAX_MS} + ${SLACK_MS}); ` +
        `${failures.length} failed; connections ${before.map((c) => c.id).join(',')} → ${after.map((c) => c.id).join(',')}`),
    readyThroughout(samples, b),
    noSessionLost(records, lost, users.length),
  ];
  return row('Redis peer vanished (connection black-holed)', records, {
    since: tCut,
    lost: lost.lost,
    checks,
    details: { worstMs: worst, failed: failures.length, before, after, tCut: round(tCut) },
  });
}
