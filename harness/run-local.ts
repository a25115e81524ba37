// `make run`: the built service on this machine with a local Redis. Ctrl-C (SIGINT), SIGTERM or
// SIGHUP stops the app first, which drains, and Redis only once the app has exited, so an orderly
// stop logs no Redis error; a second Ctrl-C kills everything at once.
// `make dev-local` (--watch): the TypeScript sources instead, under `node --watch` on this file's
// own Node, which restarts the app when a file it imports changes; SHUTDOWN_DELAY_MS defaults to 0
// there, as no load balancer needs the delay and a restart would wait for it.
//   REDIS=standalone (default)  a redis-server on 127.0.0.1:REDIS_PORT (6379), data kept in
//                               .run/local/redis; a Redis already answering there is used and left alone
//   REDIS=replication           3 redis-server + 3 Sentinels on free ports, the app in Sentinel mode
//   REDIS_URL=redis://...       that Redis; none is started
// Every other variable reaches the app as it is (PORT, METRICS_PORT, LOG_LEVEL, ...); the app's
// log is copied to stdout. RUN_LOCAL_DIR moves the state folder (pids, logs, Redis data).
// The children run in sessions of their own: a terminal's Ctrl-C reaches only this process, never
// Redis directly, so the stop order is this file's to decide.
import { join } from 'node:path';
import { APP_DEFAULTS, startApp } from './app.ts';
import { followLog, type LogFollower } from './follow.ts';
import { REPO_ROOT } from './paths.ts';
import { ProcessGroup, type ExitStatus } from './procs.ts';
import { startRedis, startReplicated } from './redis.ts';
import { command } from './resp.ts';

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** Beyond the app's own bound (SHUTDOWN_DELAY_MS + SHUTDOWN_TIMEOUT_MS, 15 s by default). */
const STOP_TIMEOUT_MS = 150_000;

function log(message: string): void {
  process.stderr.write(`run-local: ${message}\n`);
}

function portFrom(name: string, fallback: number): number {
  const raw = process.env[name];
  const port = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${name}=${raw ?? ''}: not a TCP port`);
  return port;
}

function describe({ code, signal }: ExitStatus): string {
  return signal ?? `code ${code ?? '?'}`;
}

/** Starts the Redis the app is to use, unless there is one; returns the app's Redis settings. */
async function startLocalRedis(group: ProcessGroup): Promise<Record<string, string>> {
  if (process.env.REDIS_URL) {
    log('using REDIS_URL; no Redis started');
    return {};
  }
  const mode = process.env.REDIS ?? 'standalone';
  if (mode === 'replication') {
    const redis = await startReplicated(group, { name: 'redis', dir: join(group.stateDir, 'replicated') });
    log(`started 3 redis-server and 3 Sentinels (${redis.sentinelList}); the app runs in Sentinel mode`);
    return redis.appEnv();
  }
  if (mode !== 'standalone') throw new Error(`REDIS=${mode}: use standalone or replication`);
  const port = portFrom('REDIS_PORT', 6379);
  const answers = await command({ host: '127.0.0.1', port }, ['PING'], 500).then((reply) => reply === 'PONG', () => false);
  if (answers) {
    log(`using the Redis already answering on 127.0.0.1:${port}`);
  } else {
    const redis = await startRedis(group, { name: 'redis', dir: join(group.stateDir, 'redis'), port });
    log(`started redis-server on 127.0.0.1:${port} (data in ${redis.dir}, log ${redis.process.logPath})`);
  }
  return { REDIS_URL: `redis://127.0.0.1:${port}` };
}

/** Newest first: the app, then the Sentinels, then the Redis nodes; each waits for the one before. */
async function stopInOrder(group: ProcessGroup, follower: LogFollower): Promise<void> {
  for (const proc of group.processes.reverse()) {
    log(`stopping ${proc.name} (pid ${proc.pid})`);
    const exit = await proc.stop({ signal: 'SIGTERM', timeoutMs: STOP_TIMEOUT_MS });
    follower.flush();
    log(`${proc.name} exited (${describe(exit)})`);
  }
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.some((arg) => arg !== '--watch')) {
    log('usage: run-local.ts [--watch]');
    return 64;
  }
  const watch = args.includes('--watch');
  const group = new ProcessGroup(process.env.RUN_LOCAL_DIR ?? join(REPO_ROOT, '.run', 'local'), { detached: true });
  const follower = followLog(group.logPath('app'), process.stdout);
  let stopping: Promise<void> | undefined;
  const interrupted = Promise.withResolvers<undefined>();
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log(`${signal} again: SIGKILL to every process`);
      group.killAllSync();
      process.exit(130);
    }
    log(`${signal}: stopping the app (it drains first), then Redis`);
    stopping = stopInOrder(group, follower);
    interrupted.resolve(undefined);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);

  let code = 0;
  try {
    const redisEnv = await startLocalRedis(group);
    if (!stopping) {
      // The user's settings, not the harness's test defaults: a key set to undefined is removed.
      const unset = Object.fromEntries(Object.keys(APP_DEFAULTS).map((key) => [key, undefined]));
      const defaults = watch ? { SHUTDOWN_DELAY_MS: '0' } : {};
      const app = await startApp(group, {
        name: 'app',
        // --watch: the sources under node --watch (its PID is then the app's), its own lines ("Restarting ...")
        // in the same log after the app's earlier ones; no shutdown delay, which every restart would wait for.
        entry: watch ? 'src' : 'dist',
        nodeArgs: watch ? ['--watch', '--watch-preserve-output'] : [],
        port: portFrom('PORT', 8080),
        metricsPort: portFrom('METRICS_PORT', 9464),
        env: { ...unset, ...defaults, ...process.env, POD_NAME: process.env.POD_NAME, ...redisEnv },
      });
      follower.flush();
      const restarts = watch ? '; restarted when a file under app/src it imports changes' : '';
      log(`xwing on ${app.url}, metrics on ${app.metricsUrl}${restarts} (Ctrl-C stops the app, then Redis)`);
      const exited = await Promise.race([app.process.exited, interrupted.promise]);
      if (exited) {
        log(`the app exited by itself (${describe(exited)})`);
        code = exited.code || 1;
      }
    }
  } catch (error) {
    // A stop requested during start-up ends the start with an error of its own: not a failure.
    if (!stopping) {
      log(`error: ${(error as Error).message}`);
      code = 1;
    }
  } finally {
    await stopping;
    await stopInOrder(group, follower);
    follower.stop();
  }
  return code;
}

process.exit(await main());
