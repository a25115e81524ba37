import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { inject } from 'vitest';
import { freePort } from './redis-server.ts';
import { TEST_ENV, uniquePrefix } from './harness.ts';

const SERVER_ENTRY = fileURLToPath(new URL('../../src/server.ts', import.meta.url));

export interface Service {
  child: ChildProcess;
  url: string;
  metricsUrl: string;
  output(): string;
  /** Resolves with the exit code (or signal) once the process is gone. */
  exited: Promise<number | NodeJS.Signals | null>;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  stop(): Promise<void>;
}

/** The real server entry point in a child process: signals, terminus and sockets included. */
export async function spawnService(env: Record<string, string>, options: { waitReady?: boolean } = {}): Promise<Service> {
  const port = await freePort();
  const metricsPort = await freePort();
  let output = '';
  const child = spawn(process.execPath, [SERVER_ENTRY], {
    env: {
      PATH: process.env.PATH ?? '',
      ...TEST_ENV,
      REDIS_URL: inject('redisUrl'),
      REDIS_KEY_PREFIX: uniquePrefix(),
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal)),
  );

  const waitForOutput = async (pattern: RegExp, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const match = output.match(pattern);
      if (match) return match;
      await sleep(25);
    }
    throw new Error(`no output matching ${pattern} within ${timeoutMs} ms:\n${output}`);
  };

  const service: Service = {
    child,
    url: `http://127.0.0.1:${port}`,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    output: () => output,
    exited,
    waitForOutput,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  if (options.waitReady !== false) {
    try {
      await waitForOutput(/"msg":"xwing listening"/);
      await waitUntil(async () => (await fetch(`${service.url}/readyz`)).status === 200, 10_000);
    } catch (error) {
      // The caller never gets a handle to stop it: do not leave the process running.
      await service.stop();
      throw error;
    }
  }
  return service;
}

export async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number, intervalMs = 50): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await condition().catch(() => false)) return Date.now() - started;
    await sleep(intervalMs);
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

export async function login(url: string, username: string, password = 'correct horse battery'): Promise<string> {
  const json = { 'Content-Type': 'application/json' };
  const body = JSON.stringify({ username, password });
  const registered = await fetch(`${url}/auth/register`, { method: 'POST', headers: json, body });
  if (registered.status !== 201 && registered.status !== 409) throw new Error(`register: ${registered.status}`);
  const res = await fetch(`${url}/auth/login`, { method: 'POST', headers: json, body });
  if (res.status !== 200) throw new Error(`login: ${res.status}`);
  return ((await res.json()) as { token: string }).token;
}
