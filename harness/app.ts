// The xwing server as a child process: the real entry point with signals, terminus and sockets.
import { join } from 'node:path';
import { ApiClient } from './client.ts';
import { tail, type ManagedProcess, type ProcessGroup } from './procs.ts';
import { REPO_ROOT } from './paths.ts';
import { freePort, sleep, StopWaiting, waitFor } from './wait.ts';

/** The build the image runs, and the sources Node 24 runs directly. */
export const APP_ENTRIES = {
  dist: join(REPO_ROOT, 'dist', 'server.js'),
  src: join(REPO_ROOT, 'app', 'src', 'server.ts'),
};

/**
 * Settings for an app on loopback, under every harness's own: all simulated users come from
 * 127.0.0.1 (the per-address limits would measure themselves), and users are registered by the
 * harness at the minimum scrypt cost; a short shutdown delay, as there is no load balancer to
 * drain. Timeouts and the like stay the app's own defaults: a suite that measures them sets them.
 * A caller's `env` overrides any of these; a key set to undefined removes it.
 */
export const APP_DEFAULTS: Readonly<Record<string, string>> = {
  NODE_ENV: 'production',
  LOG_LEVEL: 'warn',
  PASSWORD_SCRYPT_COST: '1024',
  RATE_LIMIT_MAX: '10000000',
  LOGIN_RATE_LIMIT_MAX: '10000000',
  PASSWORD_RATE_LIMIT_MAX: '10000000',
  SHUTDOWN_DELAY_MS: '1500',
  SHUTDOWN_TIMEOUT_MS: '5000',
};

export interface AppOptions {
  /** Also POD_NAME, so X-Served-By tells instances apart. */
  name: string;
  env: Record<string, string | undefined>;
  port?: number;
  metricsPort?: number;
  /** 'dist' (default), 'src', or the path of another build's server entry. */
  entry?: 'dist' | 'src' | (string & {});
  /** Node's own options, before the entry (e.g. `['--watch']`). */
  nodeArgs?: readonly string[];
  /** Wait until ready (default); fails at once, with the log's tail, if the process exits. */
  waitReady?: boolean;
  readyTimeoutMs?: number;
  /** What ready means: `path` answers with a status `accept` takes (default /readyz, 200), polled every `intervalMs` (50). */
  ready?: { path: string; accept: (status: number) => boolean; intervalMs?: number };
  /** Runs the app under `prlimit --nofile=N:N`. */
  prlimitNofile?: number;
  /** Commands the app runs under, each exec'ing the next (e.g. `['taskset', '-c', '0']`), outside any prlimit. */
  prefix?: readonly string[];
}

export interface AppProcess {
  readonly name: string;
  readonly url: string;
  readonly metricsUrl: string;
  readonly port: number;
  readonly metricsPort: number;
  readonly process: ManagedProcess;
  /** Polls the process's log until `re` matches; rejects with the log after `timeoutMs`. */
  waitForOutput(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** `signal` (SIGTERM: the graceful shutdown), SIGKILL after 15 s; resolves with the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function startApp(group: ProcessGroup, options: AppOptions): Promise<AppProcess> {
  const port = options.port ?? (await freePort());
  const metricsPort = options.metricsPort ?? (await freePort());
  const entry = options.entry === undefined || options.entry === 'dist' ? APP_ENTRIES.dist : options.entry === 'src' ? APP_ENTRIES.src : options.entry;
  const env: Record<string, string> = {};
  const merged = { PATH: process.env.PATH, ...APP_DEFAULTS, PORT: String(port), METRICS_PORT: String(metricsPort), POD_NAME: options.name, ...options.env };
  for (const [key, value] of Object.entries(merged)) if (value !== undefined) env[key] = value;

  const nofile = options.prlimitNofile;
  // The prefix, prlimit and node exec in place: the PID is the app's own.
  const argv = [
    ...(options.prefix ?? []),
    ...(nofile === undefined ? [] : ['prlimit', `--nofile=${nofile}:${nofile}`]),
    process.execPath,
    ...(options.nodeArgs ?? []),
    entry,
  ];
  const command = argv[0] ?? process.execPath;
  const args = argv.slice(1);
  const proc = group.spawn(options.name, command, args, { env, cwd: REPO_ROOT });

  const app: AppProcess = {
    name: options.name,
    url: `http://127.0.0.1:${port}`,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    port,
    metricsPort,
    process: proc,
    waitForOutput: async (re, timeoutMs = 10_000) => {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const match = re.exec(proc.output());
        if (match) return match;
        if (performance.now() > deadline) throw new Error(`${options.name}: no output matching ${re} within ${timeoutMs} ms:\n${tail(proc.output())}`);
        await sleep(25);
      }
    },
    stop: (signal) => proc.stop({ signal: signal ?? 'SIGTERM' }),
  };

  if (options.waitReady !== false) {
    const { path, accept, intervalMs } = options.ready ?? { path: '/readyz', accept: (status: number) => status === 200 };
    const client = new ApiClient(app.url, { keepAlive: false, timeoutMs: 1000 });
    try {
      await waitFor(
        `${options.name} ready on ${app.url}`,
        async () => {
          if (!proc.alive) {
            const { code, signal } = await proc.exited;
            throw new StopWaiting(`${options.name} exited at start (${signal ?? `code ${code}`}); ${proc.logPath}:\n${tail(proc.output())}`);
          }
          return accept((await client.call('GET', path)).status);
        },
        { timeoutMs: options.readyTimeoutMs ?? 15_000, ...(intervalMs === undefined ? {} : { intervalMs }) },
      );
    } catch (error) {
      // The caller never gets a handle: never leave the process running.
      await proc.stop({ signal: 'SIGKILL' });
      if (error instanceof StopWaiting) throw error;
      throw new Error(`${(error as Error).message}; ${proc.logPath}:\n${tail(proc.output())}`, { cause: error });
    } finally {
      client.close();
    }
  }
  return app;
}
