import { Agent, request } from 'node:http';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { spawnService, type Service } from './support/processes.ts';

describe('the real server process', () => {
  let service: Service;
  const prefix = 'probes-test:';
  beforeAll(async () => {
    service = await spawnService({ RATE_LIMIT_MAX: '1', MAX_REQUESTS_PER_SOCKET: '3', REDIS_KEY_PREFIX: prefix });
  });
  afterAll(() => service.stop());

  it('answers probes and /metrics without rate limits, sessions or Redis writes', async () => {
    for (let i = 0; i < 5; i += 1) {
      const health = await fetch(`${service.url}/healthz`);
      expect(health.status).toBe(200);
      expect(health.headers.get('x-served-by')).toBeTruthy();
      expect(health.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
      expect((await fetch(service.metricsUrl)).status).toBe(200);
    }
    const redis = new Redis(inject('redisUrl'));
    try {
      expect(await redis.keys(`${prefix}*`)).toEqual([]);
    } finally {
      redis.disconnect();
    }
    await fetch(`${service.url}/auth/session`);
    expect((await fetch(`${service.url}/auth/session`)).status).toBe(429);
  });

  it('answers HEAD on the probes, OPTIONS and other methods with Allow, and serves the contract', async () => {
    const head = await fetch(`${service.url}/healthz`, { method: 'HEAD' });
    expect([head.status, head.headers.get('x-served-by') !== null]).toEqual([200, true]);
    const post = await fetch(`${service.url}/readyz`, { method: 'POST' });
    expect([post.status, post.headers.get('allow'), post.headers.get('content-type')]).toEqual([405, 'GET, HEAD, OPTIONS', 'application/problem+json']);
    expect(post.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const options = await fetch(`${service.url}/healthz`, { method: 'OPTIONS' });
    expect([options.status, options.headers.get('allow')]).toEqual([204, 'GET, HEAD, OPTIONS']);
    const contract = await fetch(`${service.url}/openapi.json`);
    expect(contract.status).toBe(200);
    expect(((await contract.json()) as { openapi: string }).openapi).toMatch(/^3\.1\./);
  });

  it('closes a keep-alive connection after MAX_REQUESTS_PER_SOCKET requests, so clients rebalance', async () => {
    const { port } = new URL(service.url);
    const sockets = new Set<unknown>();
    const connectionHeaders: (string | undefined)[] = [];
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    for (let i = 0; i < 4; i += 1) {
      await new Promise<void>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/healthz', agent }, (res) => {
          sockets.add(res.socket);
          connectionHeaders.push(res.headers.connection);
          res.resume();
          res.on('end', resolve);
        });
        req.on('error', reject);
        req.end();
      });
    }
    agent.destroy();
    expect(connectionHeaders).toEqual(['keep-alive', 'keep-alive', 'close', 'keep-alive']);
    expect(sockets.size).toBe(2);
  });

  it('advertises a keep-alive timeout longer than the usual 60 s proxy idle timeout', async () => {
    const res = await fetch(`${service.url}/healthz`);
    expect(res.headers.get('keep-alive')).toMatch(/timeout=65\b/);
  });
});
