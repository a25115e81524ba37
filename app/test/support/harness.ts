import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { Express } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import supertest from 'supertest';
import { inject } from 'vitest';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { createMetrics, type Metrics } from '../../src/metrics/metrics.ts';
import type { ProfileLookup } from '../../src/profile/lookup.ts';
import { createRedis } from '../../src/redis/client.ts';
import type { Tracing } from '../../src/telemetry/tracing.ts';

/** Log lines the app wrote, parsed, so tests can assert on what reached (or never reached) the log. */
export class LogCapture extends Writable {
  readonly lines: Record<string, unknown>[] = [];
  raw = '';

  override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
    const text = chunk.toString();
    this.raw += text;
    for (const line of text.split('\n')) if (line.trim()) this.lines.push(JSON.parse(line) as Record<string, unknown>);
    callback();
  }
}

export interface TestApp {
  app: Express;
  http: ReturnType<typeof supertest>;
  redis: Redis;
  metrics: Metrics;
  logs: LogCapture;
  logger: Logger;
  prefix: string;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  /** Share a prefix to make several instances one fleet. */
  prefix?: string;
  servedBy?: string;
  profileLookup?: ProfileLookup;
  tracing?: Tracing;
}

export const TEST_ENV = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'info',
  PROFILE_LOOKUP_MS: '50',
  PASSWORD_SCRYPT_COST: '1024',
  REDIS_COMMAND_TIMEOUT_MS: '300',
};

export function uniquePrefix(): string {
  return `t${randomUUID().slice(0, 8)}:`;
}

/** Builds the real app on a real Redis, the same way server.ts does, minus sockets and signals. */
export async function testApp(options: TestAppOptions = {}): Promise<TestApp> {
  const prefix = options.prefix ?? uniquePrefix();
  const config = loadConfig({
    ...TEST_ENV,
    REDIS_URL: inject('redisUrl'),
    REDIS_KEY_PREFIX: prefix,
    ...options.env,
  });
  const logs = new LogCapture();
  const logger = createLogger(config.LOG_LEVEL, logs);
  const metrics = createMetrics({ version: 'test', commit: 'test' });
  const redis = createRedis(config, 'xwing-test', options.tracing);
  redis.on('error', () => undefined);
  await redis.connect();
  const durableRedis = config.REDIS_WAIT_REPLICAS > 0 ? createRedis(config, 'xwing-test:durable', options.tracing) : undefined;
  durableRedis?.on('error', () => undefined);
  await durableRedis?.connect();
  const { servedBy = 'test-pod', profileLookup, tracing } = options;
  const app = createApp({ config, redis, durableRedis, logger, metrics, servedBy, profileLookup, tracing });
  const close = async () => {
    const clients = durableRedis ? [redis, durableRedis] : [redis];
    await Promise.all(clients.map((client) => client.quit().catch(() => client.disconnect())));
  };
  return { app, http: supertest(app), redis, metrics, logs, logger, prefix, close };
}

export async function registerAndLogin(
  t: Pick<TestApp, 'http'>,
  username = `u${randomUUID().slice(0, 8)}`,
  password = 'correct horse battery',
): Promise<{ username: string; password: string; token: string }> {
  await t.http.post('/auth/register').send({ username, password }).expect(201);
  const login = await t.http.post('/auth/login').send({ username, password }).expect(200);
  return { username, password, token: (login.body as { token: string }).token };
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/**
 * Sends GET `path` to the app over a real socket and hangs up after `abortAfterMs`, the way a client
 * that gave up does; supertest cannot. Resolves once the app has seen the connection close.
 */
export async function abandonedRequest(t: Pick<TestApp, 'app'>, path: string, headers: Record<string, string>, abortAfterMs: number): Promise<void> {
  const server = t.app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const { port } = server.address() as AddressInfo;
    const req = request({ host: '127.0.0.1', port, path, headers });
    req.on('error', () => undefined);
    req.end();
    await new Promise((resolve) => setTimeout(resolve, abortAfterMs));
    req.destroy();
    const connections = () => new Promise<number>((resolve) => server.getConnections((_error, count) => resolve(count)));
    const deadline = Date.now() + 3000;
    while ((await connections()) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

/** Several instances with their own Redis connections and one shared key space: one service. */
export async function testFleet(names: string[], options: Omit<TestAppOptions, 'prefix' | 'servedBy'> = {}): Promise<TestApp[]> {
  const prefix = uniquePrefix();
  return Promise.all(names.map((servedBy) => testApp({ ...options, prefix, servedBy })));
}
