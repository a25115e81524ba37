import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bearer, registerAndLogin, testApp, type TestApp } from '../../test/support/harness.ts';
import { hashToken } from '../sessions/tokens.ts';

describe('the session guard on a real Redis', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({ env: { RATE_LIMIT_MAX: '100' } });
  });
  afterAll(() => t.close());

  it('reads the session and counts the limit in one Redis command', async () => {
    const { token } = await registerAndLogin(t);
    const monitor = new Redis(inject('redisUrl'), { lazyConnect: true });
    await monitor.connect();
    const seen: string[][] = [];
    const feed = await monitor.monitor();
    feed.on('monitor', (_time: string, args: string[], source: string) => {
      if (source !== 'lua' && args.some((arg) => arg.startsWith(t.prefix))) seen.push(args);
    });
    try {
      await t.http.get('/auth/session').set(bearer(token)).expect(200);
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      feed.disconnect();
      monitor.disconnect();
    }
    expect(seen).toHaveLength(1);
    expect(seen[0]?.[0]?.toLowerCase()).toMatch(/^eval(sha)?$/);
    expect(seen[0]).toContain(`${t.prefix}session:${hashToken(token)}`);
    expect(seen[0]?.some((arg) => arg.startsWith(`${t.prefix}rl:api:`))).toBe(true);
  });

  it('answers 429 to a spent limit without sliding the session, and 401 only while within it', async () => {
    const fresh = await testApp({ env: { RATE_LIMIT_MAX: '4', RATE_LIMIT_WINDOW_SECONDS: '60', SESSION_TTL_SECONDS: '120' } });
    try {
      // register and login spend two of the four requests.
      const { token } = await registerAndLogin(fresh);
      const key = `session:${hashToken(token)}`;
      await fresh.redis.expire(key, 5);
      const admitted = await fresh.http.get('/auth/session').set(bearer(token)).expect(200);
      expect(admitted.headers['ratelimit-remaining']).toBe('1');
      expect(await fresh.redis.ttl(key)).toBeGreaterThan(100);

      await fresh.http.get('/auth/session').set(bearer('x'.repeat(43))).expect(401);
      await fresh.redis.expire(key, 5);
      const refused = await fresh.http.get('/auth/session').set(bearer(token)).expect(429);
      expect(refused.headers['ratelimit-remaining']).toBe('0');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(await fresh.redis.ttl(key)).toBeLessThanOrEqual(5);
      // Past the limit a guessed token learns nothing: it gets the same 429.
      await fresh.http.get('/auth/session').set(bearer('y'.repeat(43))).expect(429);
      await fresh.http.get('/auth/session').expect(429);

      expect((await fresh.metrics.rateLimited.get()).values).toEqual([expect.objectContaining({ labels: { limiter: 'api' }, value: 3 })]);
      expect((await fresh.metrics.sessionsRejected.get()).values).toEqual([expect.objectContaining({ labels: { reason: 'unknown' }, value: 1 })]);
    } finally {
      await fresh.close();
    }
  });

  it('names the reason for every 401 and still counts requests without a usable token', async () => {
    const missing = await t.http.get('/profile').expect(401);
    expect(missing.body).toMatchObject({ detail: expect.stringMatching(/Bearer token or in the xwing_session cookie/) });
    const malformed = await t.http.get('/profile').set(bearer('short')).expect(401);
    expect(malformed.body).toMatchObject({ detail: 'The session token is malformed.' });
    expect(Number(malformed.headers['ratelimit-remaining'])).toBeLessThan(Number(missing.headers['ratelimit-remaining']));
  });
});
