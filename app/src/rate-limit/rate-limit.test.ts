import type { Request } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAndLogin, testApp, type TestApp } from '../../test/support/harness.ts';
import type { RunRedis } from '../redis/runner.ts';
import { registerScripts } from '../redis/scripts.ts';
import { createRateLimiter } from './limiter.ts';

const once: RunRedis = (_operation, attempt) => attempt(false);
import { clientAddress } from '../http/client-address.ts';

describe('rate limiting on Redis', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({ env: { RATE_LIMIT_MAX: '5', RATE_LIMIT_WINDOW_SECONDS: '30' } });
  });
  afterAll(() => t.close());

  it('sends the RateLimit headers, then 429 with Retry-After once the limit is spent', async () => {
    const first = await t.http.get('/auth/session').expect(401);
    expect(first.headers['ratelimit-policy']).toBe('5;w=30');
    expect(first.headers['ratelimit-limit']).toBe('5');
    expect(first.headers['ratelimit-remaining']).toBe('4');
    expect(Number(first.headers['ratelimit-reset'])).toBeGreaterThan(0);
    for (let i = 0; i < 4; i += 1) await t.http.get('/auth/session').expect(401);
    const refused = await t.http.get('/auth/session').expect(429);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(30);
    expect((await t.metrics.rateLimited.get()).values[0]).toMatchObject({ labels: { limiter: 'api' }, value: 1 });
  });

  it('does not let a spoofed X-Forwarded-For dodge the limit when no proxy is trusted', async () => {
    const spoofed = await t.http.get('/auth/session').set('X-Forwarded-For', '203.0.113.9');
    expect(spoofed.status).toBe(429);
  });

  it('counts the client a trusted proxy names, and only the hop it vouches for', async () => {
    const proxied = await testApp({ env: { TRUST_PROXY: '1', RATE_LIMIT_MAX: '2' } });
    try {
      for (let i = 0; i < 2; i += 1) await proxied.http.get('/auth/session').set('X-Forwarded-For', '198.51.100.7').expect(401);
      await proxied.http.get('/auth/session').set('X-Forwarded-For', '198.51.100.7').expect(429);
      // A client cannot prepend a fake address: with one trusted hop only the last entry counts.
      await proxied.http.get('/auth/session').set('X-Forwarded-For', '10.9.9.9, 198.51.100.7').expect(429);
      await proxied.http.get('/auth/session').set('X-Forwarded-For', '198.51.100.8').expect(401);
    } finally {
      await proxied.close();
    }
  });

  it('limits login attempts per client and username, and tells the client when to retry', async () => {
    const login = await testApp({ env: { LOGIN_RATE_LIMIT_MAX: '3', LOGIN_RATE_LIMIT_WINDOW_SECONDS: '60' } });
    try {
      const { username, password } = await registerAndLogin(login);
      for (let i = 0; i < 2; i += 1) {
        await login.http.post('/auth/login').send({ username, password: 'wrong password' }).expect(401);
      }
      const blocked = await login.http.post('/auth/login').send({ username, password }).expect(429);
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(50);
      const other = await registerAndLogin(login);
      await login.http.post('/auth/login').send({ username: other.username, password: other.password }).expect(200);
    } finally {
      await login.close();
    }
  });

  it('limits password work per client, whichever usernames it tries, before hashing anything', async () => {
    const hashing = await testApp({ env: { PASSWORD_RATE_LIMIT_MAX: '3', PASSWORD_RATE_LIMIT_WINDOW_SECONDS: '60' } });
    const credentials = (username: string, password = 'correct horse battery') => ({ username, password });
    try {
      await hashing.http.post('/auth/register').send(credentials('pw-one')).expect(201);
      await hashing.http.post('/auth/login').send(credentials('pw-one', 'not the password')).expect(401);
      // A body that fails validation costs no hash and is not counted.
      await hashing.http.post('/auth/register').send({ username: 'x' }).expect(400);
      await hashing.http.post('/auth/register').send(credentials('pw-two')).expect(201);
      const refused = await hashing.http.post('/auth/register').send(credentials('pw-three')).expect(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(50);
      expect(refused.headers['ratelimit-policy']).toBe('3;w=60');
      expect(refused.body).toMatchObject({ detail: expect.stringMatching(/sign-ups and logins/) });
      await hashing.http.post('/auth/login').send(credentials('pw-one')).expect(429);
      expect(await hashing.redis.exists('user:pw-three')).toBe(0);
      expect((await hashing.metrics.rateLimited.get()).values).toEqual([expect.objectContaining({ labels: { limiter: 'password' }, value: 2 })]);
    } finally {
      await hashing.close();
    }
  });

  it('keeps working after Redis forgets its scripts, as after a restart', async () => {
    const limiter = createRateLimiter(registerScripts(t.redis), once, 'flush', 2, 10);
    expect((await limiter.consume('x')).allowed).toBe(true);
    await t.redis.script('FLUSH');
    expect((await limiter.consume('x')).allowed).toBe(true);
    expect((await limiter.consume('x')).allowed).toBe(false);
  });

  it('counts a request once when its script is sent again after an ambiguous failure', async () => {
    // The runner retries after a timeout or a dropped connection; the first attempt may have landed.
    const sentTwice: RunRedis = async (_operation, attempt) => {
      await attempt(false);
      return attempt(true);
    };
    const limiter = createRateLimiter(registerScripts(t.redis), sentTwice, 'twice', 10, 10);
    expect((await limiter.consume('z')).remaining).toBe(9);
    expect((await limiter.consume('z')).remaining).toBe(8);
    expect(await t.redis.get('rl:twice:z')).toBe('2');
  });

  it('re-arms a window whose key lost its expiry', async () => {
    const limiter = createRateLimiter(registerScripts(t.redis), once, 'stuck', 10, 10);
    await t.redis.set('rl:stuck:y', '3');
    const decision = await limiter.consume('y');
    expect(decision.remaining).toBe(6);
    expect(await t.redis.pttl('rl:stuck:y')).toBeGreaterThan(9000);
  });

  it('counts IPv6 clients by /64 and never keys on something that is not an address', () => {
    // req.ip as Express derives it from X-Forwarded-For under TRUST_PROXY.
    const from = (ip: string | undefined, peer = '192.0.2.1') =>
      clientAddress({ ip, headers: { 'x-forwarded-for': ip ?? '' }, socket: { remoteAddress: peer } } as unknown as Request);
    expect(from('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(from('2001:db8:1:2::9')).toBe('2001:db8:1:2::/64');
    expect(from('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(from('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(from('::ffff:198.51.100.7')).toBe('198.51.100.7');
    expect(from('198.51.100.7')).toBe('198.51.100.7');
    expect(from('anything-a-client-wrote')).toBe('192.0.2.1');
    expect(from(undefined)).toBe('192.0.2.1');
    // Without the header req.ip can only be the peer: it is not read.
    const direct = { headers: {}, socket: { remoteAddress: '::ffff:198.51.100.9' } };
    Object.defineProperty(direct, 'ip', {
      get: () => {
        throw new Error('req.ip read without X-Forwarded-For');
      },
    });
    expect(clientAddress(direct as unknown as Request)).toBe('198.51.100.9');
  });
});
