// The processes a fault needs (redis-server, the app) started by PID, recorded in the state folder
// so run.sh's trap can stop whatever this Node process leaves behind, and stopped by PID again.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const ROOT = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
export const STATE = process.env.RELIABILITY_STATE ?? join(ROOT, '.run', 'reliability');
const PIDS = join(STATE, 'pids');
const LOGS = join(STATE, 'logs');

/** Everything a fault started, newest last, so stopAll() can unwind it. */
const live = new Set();

export function prepareState() {
  rmSync(STATE, { recursive: true, force: true });
  for (const dir of [PIDS, LOGS]) mkdirSync(dir, { recursive: true });
}

export function logPath(name) {
  return join(LOGS, `${name}.log`);
}

/**
 * Polls `condition` every `intervalMs` until it holds; resolves with the elapsed ms or rejects
 * after `timeoutMs`. Every wait in the suite goes through here, so none is unbounded.
 */
export async function waitFor(what, condition, timeoutMs, intervalMs = 50) {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    if (await condition().catch(() => false)) return performance.now() - started;
    await sleep(intervalMs);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

function track(name, child) {
  const pidFile = join(PIDS, `${name}.pid`);
  writeFileSync(pidFile, `${child.pid}\n`);
  const proc = {
    name,
    child,
    pid: child.pid,
    exit: new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        rmSync(pidFile, { force: true });
        live.delete(proc);
        resolve({ code, signal });
      }),
    ),
    get alive() {
      return child.exitCode === null && child.signalCode === null;
    },
    /** Sends `signal` and waits up to `timeoutMs` for the exit, then SIGKILLs. */
    async stop(signal = 'SIGTERM', timeoutMs = 15_000) {
      if (proc.alive) child.kill(signal);
      const timer = setTimeout(() => proc.alive && child.kill('SIGKILL'), timeoutMs);
      const result = await proc.exit;
      clearTimeout(timer);
      return result;
    },
  };
  live.add(proc);
  return proc;
}

function spawnLogged(name, command, args, env) {
  const log = openSync(logPath(name), 'a');
  const child = spawn(command, args, { env, stdio: ['ignore', log, log] });
  return track(name, child);
}

export async function stopAll() {
  await Promise.all([...live].reverse().map((proc) => proc.stop('SIGKILL', 5000)));
}

export async function redisCli(host, port, ...args) {
  const { stdout } = await run('redis-cli', ['-h', host, '-p', String(port), ...args], { timeout: 5000 });
  return stdout.trim();
}

/**
 * A redis-server like the chart's: append-only (fsync every second, the Redis default and the
 * chart's), noeviction. With `netns`, it runs inside that network namespace (ip netns exec execs
 * redis-server, so the PID is redis-server's own).
 */
export async function startRedis({ name, host, port, dir, netns }) {
  mkdirSync(dir, { recursive: true });
  const args = ['--port', String(port), '--bind', host, '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec',
    '--save', '', '--maxmemory-policy', 'noeviction', '--protected-mode', 'no', '--daemonize', 'no'];
  const proc = netns
    ? spawnLogged(name, 'ip', ['netns', 'exec', netns, 'redis-server', ...args], process.env)
    : spawnLogged(name, 'redis-server', args, process.env);
  await waitFor(`${name} answering PING`, async () => (await redisCli(host, port, 'PING')) === 'PONG', 10_000, 50);
  return proc;
}

export const APP_DEFAULTS = {
  NODE_ENV: 'production',
  LOG_LEVEL: 'warn',
  // Users are registered by the harness; the app's minimum scrypt cost keeps that to milliseconds.
  PASSWORD_SCRYPT_COST: '1024',
  // Every simulated user comes from 127.0.0.1: the per-address limit would measure itself.
  RATE_LIMIT_MAX: '10000000',
  LOGIN_RATE_LIMIT_MAX: '10000000',
  PASSWORD_RATE_LIMIT_MAX: '10000000',
  PROFILE_LOOKUP_MS: '20',
  REDIS_COMMAND_TIMEOUT_MS: '500',
  SHUTDOWN_DELAY_MS: '1500',
  SHUTDOWN_TIMEOUT_MS: '5000',
};

/** `node dist/server.js` with its own ports and name; resolves once /readyz answers 200. */
export async function startApp({ name, port, metricsPort, env = {}, waitReady = true, prlimitNofile }) {
  const fullEnv = {
    PATH: process.env.PATH,
    ...APP_DEFAULTS,
    PORT: String(port),
    METRICS_PORT: String(metricsPort),
    POD_NAME: name,
    ...env,
  };
  // RELIABILITY_SERVER runs another build (e.g. one with a proposed patch) through the same faults.
  const server = process.env.RELIABILITY_SERVER ?? join(ROOT, 'dist', 'server.js');
  const proc = prlimitNofile
    ? spawnLogged(name, 'prlimit', [`--nofile=${prlimitNofile}:${prlimitNofile}`, process.execPath, server], fullEnv)
    : spawnLogged(name, process.execPath, [server], fullEnv);
  proc.url = `http://127.0.0.1:${port}`;
  proc.metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  if (waitReady) {
    await waitFor(`${name} ready`, async () => {
      if (!proc.alive) throw new Error(`${name} exited; see ${logPath(name)}`);
      return (await fetch(`${proc.url}/readyz`, { signal: AbortSignal.timeout(1000) })).status === 200;
    }, 15_000, 50);
  }
  return proc;
}

/** Open file descriptors of a live process, or NaN once it is gone. */
export function fdCount(pid) {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return Number.NaN;
  }
}

/**
 * Established TCP connections whose local port is `port` (clients of the app), from /proc/net.
 * The app's fd count minus these is what it holds of its own: a leak shows there, while the
 * client-side pool size, which follows latency, does not.
 */
export function inboundConnections(port) {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  let count = 0;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    // No tcp6 file means a kernel without IPv6: nothing to count there.
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    for (const line of text.split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state === '01' && local?.endsWith(`:${hexPort}`)) count++;
    }
  }
  return count;
}

/** Resident set size in bytes from /proc (no request to the process itself). */
export function rssBytes(pid) {
  try {
    const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
    return match ? Number(match[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Picks named samples out of a Prometheus text exposition. */
export async function scrapeMetrics(url, names) {
  const text = await (await fetch(url, { signal: AbortSignal.timeout(2000) })).text();
  const values = {};
  for (const name of names) {
    const match = text.match(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'm'));
    values[name] = match ? Number(match[1]) : Number.NaN;
  }
  return values;
}

/** Waits until nothing listens on the port, so a replacement can bind it. */
export async function portFree(port) {
  return waitFor(`port ${port} free`, async () => {
    try {
      await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(300) });
      return false;
    } catch {
      return true;
    }
  }, 10_000);
}
