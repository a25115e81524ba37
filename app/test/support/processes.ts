import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { ApiClient, ProcessGroup, startApp, startRedis, type AppProcess, type RedisNode } from '../../../harness/index.ts';
import { TEST_ENV, uniquePrefix } from './harness.ts';

/** The processes of one suite, by PID in a temporary folder; close() stops them all. */
function processes(prefix: string) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const group = new ProcessGroup(dir);
  return {
    group,
    close: async () => {
      await group.stopAll({ signal: 'SIGKILL' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A redis-server of its own (the chart's shared settings), with the group that owns it. */
export async function ownRedis(args: string[] = []): Promise<RedisNode & { close(): Promise<void> }> {
  const procs = processes('xwing-redis-');
  const node = await startRedis(procs.group, { name: 'redis', dir: join(procs.group.stateDir, 'redis'), args });
  return Object.assign(node, { close: () => procs.close() });
}

export interface Service extends AppProcess {
  /** Everything the process wrote so far. */
  output(): string;
  /** The exit code, or the signal that ended it. */
  exited: Promise<number | NodeJS.Signals | null>;
}

/**
 * The real server entry point (app/src/server.ts) in a child process with signals, terminus and
 * sockets, on the suite's Redis and a key prefix of its own; stop() also removes its state.
 */
export async function spawnService(env: Record<string, string>, options: { waitReady?: boolean } = {}): Promise<Service> {
  const procs = processes('xwing-service-');
  try {
    const app = await startApp(procs.group, {
      name: 'xwing',
      entry: 'src',
      env: { ...TEST_ENV, REDIS_URL: inject('redisUrl'), REDIS_KEY_PREFIX: uniquePrefix(), ...env },
      waitReady: options.waitReady,
    });
    return {
      ...app,
      output: () => app.process.output(),
      exited: app.process.exited.then(({ code, signal }) => code ?? signal),
      stop: async (signal) => {
        const status = await app.stop(signal ?? 'SIGKILL');
        await procs.close();
        return status;
      },
    };
  } catch (error) {
    await procs.close();
    throw error;
  }
}

/** Registers (or reuses) `username` and logs in; the token. */
export async function login(url: string, username: string): Promise<string> {
  const client = new ApiClient(url);
  try {
    return (await client.registerAndLogin(username, 'correct horse battery')).token;
  } finally {
    client.close();
  }
}
