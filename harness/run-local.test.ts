// `make run` (run-local.ts) as a user runs it: a terminal job that gets Ctrl-C, with an older
// `node` first on PATH.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, onTestFinished, test } from 'vitest';
import { ApiClient } from './client.ts';
import { REPO_ROOT } from './paths.ts';
import { killRecorded, pidAlive, ProcessGroup, type ManagedProcess } from './procs.ts';
import { ensureBuilt } from './testing.ts';
import { freePort, StopWaiting, waitFor } from './wait.ts';

const LAUNCHER = join(REPO_ROOT, 'harness', 'run-local.ts');

beforeAll(ensureBuilt, 60_000);

/**
 * The launcher on free ports, in a process group of its own as a shell runs a foreground job, once
 * it serves; nothing is left when the test ends.
 */
async function startLauncher(args: string[], env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'xwing-run-local-'));
  const group = new ProcessGroup(join(dir, 'test'), { detached: true });
  const runDir = join(dir, 'run');
  onTestFinished(async ({ task }) => {
    await group.stopAll({ signal: 'SIGKILL' });
    killRecorded(runDir);
    if (task.result?.state === 'pass') rmSync(dir, { recursive: true, force: true });
  });
  const [port, metricsPort, redisPort] = await Promise.all([freePort(), freePort(), freePort()]);
  const launcher = group.spawn('run-local', process.execPath, [LAUNCHER, ...args], {
    env: {
      // /usr/bin's node is older than 24: the app must still run on the launcher's own Node.
      PATH: `/usr/bin:/bin:${process.env.PATH ?? ''}`,
      REDIS_PORT: String(redisPort),
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      RUN_LOCAL_DIR: runDir,
      ...env,
    },
  });
  await waitUntilServing(launcher, port);
  return { launcher, runDir, port };
}

function recordedPids(runDir: string): Map<string, number> {
  const pidDir = join(runDir, 'pids');
  return new Map(readdirSync(pidDir).map((file) => [file.replace(/\.pid$/, ''), Number(readFileSync(join(pidDir, file), 'utf8'))]));
}

/** Until the launcher has said where the app is and /readyz answers 200; fails at once if the launcher exits. */
async function waitUntilServing(launcher: ManagedProcess, port: number): Promise<void> {
  const client = new ApiClient(`http://127.0.0.1:${port}`, { keepAlive: false, timeoutMs: 1000 });
  try {
    await waitFor(
      'the launcher: app ready',
      async () => {
        if (!launcher.alive) throw new StopWaiting(`the launcher exited:\n${launcher.output()}`);
        return /run-local: xwing on http/.test(launcher.output()) && (await client.call('GET', '/readyz')).status === 200;
      },
      { timeoutMs: 30_000 },
    );
  } finally {
    client.close();
  }
}

describe.each(['standalone', 'replication'])('make run REDIS=%s', (mode) => {
  test('Ctrl-C stops the app first and Redis only after it exited; no error logged, nothing left', { timeout: 60_000 }, async () => {
    const { launcher, runDir } = await startLauncher([], { REDIS: mode, SHUTDOWN_DELAY_MS: '300' });
    const pids = recordedPids(runDir);
    const appPid = pids.get('app');
    const redisPids = [...pids].filter(([name]) => name !== 'app').map(([, pid]) => pid);
    expect(appPid).toBeGreaterThan(1);
    expect(redisPids).toHaveLength(mode === 'standalone' ? 1 : 6);

    // A terminal sends Ctrl-C's SIGINT to every process of the foreground job.
    const interruptedAt = Date.now();
    process.kill(-launcher.pid, 'SIGINT');
    // Redis is looked at before the app: a Redis already gone while the app is still alive after it was
    // stopped too early, however late a poll runs (the app's drain of SHUTDOWN_DELAY_MS is the window).
    let redisGoneFirst = false;
    await waitFor(
      'the app and Redis gone',
      () => {
        const redisGone = redisPids.filter((pid) => !pidAlive(pid)).length;
        const appAlive = pidAlive(appPid!);
        if (redisGone > 0 && appAlive) redisGoneFirst = true;
        return redisGone === redisPids.length && !appAlive;
      },
      { timeoutMs: 30_000, intervalMs: 5 },
    );
    expect(await launcher.exited).toEqual({ code: 0, signal: null });
    expect(redisGoneFirst).toBe(false);

    const output = launcher.output();
    expect(output).toMatch(/"msg":"shutdown: complete"/);
    const appExited = output.indexOf('run-local: app exited (code 0)');
    const redisStopping = output.search(/run-local: stopping redis/);
    expect(appExited).toBeGreaterThan(0);
    expect(redisStopping).toBeGreaterThan(appExited);
    // An orderly stop logs no warning and no error: the app's lines (JSON) from the SIGINT on, and the launcher's.
    const complaints = output.split('\n').filter((line) => {
      if (!line.startsWith('{')) return /error/i.test(line);
      const { level, time } = JSON.parse(line) as { level: string; time: string };
      return Date.parse(time) >= interruptedAt && ['warn', 'error', 'fatal'].includes(level);
    });
    expect(complaints).toEqual([]);
    // Redis was stopped by the launcher (SIGTERM), never by the terminal's SIGINT.
    const redisLog = readFileSync(join(runDir, 'logs', mode === 'standalone' ? 'redis.log' : 'redis-node-0.log'), 'utf8');
    expect(redisLog).toMatch(/Received SIGTERM/);
    expect(redisLog).not.toMatch(/Received SIGINT/);

    expect(readdirSync(join(runDir, 'pids'))).toEqual([]);
    expect([appPid!, ...redisPids].filter(pidAlive)).toEqual([]);
    expect(existsSync(join(runDir, 'logs', 'app.log'))).toBe(true);
  });
});

describe('make dev-local (run-local.ts --watch)', () => {
  /** The PIDs the app's "xwing listening" lines name, oldest first. */
  function listeningPids(output: string): number[] {
    return output
      .split('\n')
      .filter((line) => line.startsWith('{') && line.includes('"msg":"xwing listening"'))
      .map((line) => (JSON.parse(line) as { pid: number }).pid);
  }

  test('serves the sources, restarts on a touched file under app/src, Ctrl-C leaves nothing running', { timeout: 60_000 }, async () => {
    const { launcher, runDir, port } = await startLauncher(['--watch']);
    const pids = recordedPids(runDir);
    const watcherPid = pids.get('app');
    const redisPid = pids.get('redis');
    // The app's log reaches the launcher's output a moment after it serves.
    await waitFor('the app\'s "xwing listening" line', () => listeningPids(launcher.output()).length > 0, { timeoutMs: 5000 });
    const [firstPid] = listeningPids(launcher.output());
    expect(firstPid).toBeGreaterThan(1);
    expect(firstPid).not.toBe(watcherPid);

    // A touch with the same times: the watcher sees the file change, and no one's dist/ turns stale.
    const touched = join(REPO_ROOT, 'app', 'src', 'package-version.ts');
    const { atime, mtime } = statSync(touched);
    const touchedAt = performance.now();
    utimesSync(touched, atime, mtime);
    const client = new ApiClient(`http://127.0.0.1:${port}`, { keepAlive: false, timeoutMs: 1000 });
    let secondPid: number | undefined;
    try {
      await waitFor(
        'a new app process answering',
        async () => {
          secondPid = listeningPids(launcher.output()).find((pid) => pid !== firstPid);
          return secondPid !== undefined && !pidAlive(firstPid!) && (await client.call('GET', '/readyz')).status === 200;
        },
        { timeoutMs: 20_000 },
      );
    } finally {
      client.close();
    }
    process.stderr.write(`dev-local: touch to a new pid answering /readyz: ${Math.round(performance.now() - touchedAt)} ms\n`);
    expect(pidAlive(secondPid!)).toBe(true);
    expect(launcher.output()).toMatch(/Restarting '.*server\.ts'/);

    process.kill(-launcher.pid, 'SIGINT');
    expect(await launcher.exited).toEqual({ code: 0, signal: null });
    expect(launcher.output()).toMatch(/run-local: app exited \(code 0\)[\s\S]*run-local: stopping redis/);
    expect([watcherPid!, firstPid!, secondPid!, redisPid!].filter(pidAlive)).toEqual([]);
    expect(readdirSync(join(runDir, 'pids'))).toEqual([]);
  });
});
