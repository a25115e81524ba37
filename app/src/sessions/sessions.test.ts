import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, registerAndLogin, testApp, type TestApp } from '../../test/support/harness.ts';
import { hashToken, TOKEN_BYTES } from './tokens.ts';

describe('sessions on a real Redis', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({ env: { SESSION_TTL_SECONDS: '120' } });
  });
  afterAll(() => t.close());

  it('registers, logs in with a 256-bit token and reads the session by bearer token or cookie', async () => {
    const username = 'luke.skywalker';
    await t.http.post('/auth/register').send({ username, password: 'use the force' }).expect(201, { username });
    const login = await t.http.post('/auth/login').send({ username, password: 'use the force' }).expect(200);
    const { token, expiresAt } = login.body as { token: string; expiresAt: string };
    expect(Buffer.from(token, 'base64url')).toHaveLength(TOKEN_BYTES);
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(110_000);
    expect(login.headers['cache-control']).toBe('no-store');

    const cookie = login.headers['set-cookie'] as unknown as string[];
    expect(cookie[0]).toMatch(new RegExp(`^xwing_session=${token}; Path=/; HttpOnly; SameSite=Lax$`));

    const byBearer = await t.http.get('/auth/session').set(bearer(token)).expect(200);
    expect(byBearer.body).toMatchObject({ username });
    expect(Date.parse((byBearer.body as { createdAt: string }).createdAt)).toBeLessThanOrEqual(Date.now());
    await t.http.get('/auth/session').set('Cookie', `other=1; xwing_session=${token}`).expect(200);
  });

  it('stores only a hash of the token in Redis', async () => {
    const { token } = await registerAndLogin(t);
    const keys = await t.redis.keys('*');
    const dump = JSON.stringify(
      await Promise.all(keys.map(async (k) => [k, await t.redis.get(k.slice(t.prefix.length)).catch(() => '')])),
    );
    expect(dump).not.toContain(token);
    expect(await t.redis.exists(`session:${hashToken(token)}`)).toBe(1);
  });

  it('keys sessions by the base64url SHA-256 of the token, so stored sessions outlive an upgrade', () => {
    // FIPS 180-2's test vector for "abc".
    expect(hashToken('abc')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
  });

  it('slides the expiry on every authenticated request', async () => {
    const { token } = await registerAndLogin(t);
    const key = `session:${hashToken(token)}`;
    await t.redis.expire(key, 5);
    await t.http.get('/auth/session').set(bearer(token)).expect(200);
    expect(await t.redis.ttl(key)).toBeGreaterThan(100);
  });

  it('rejects an expired session', async () => {
    const { token } = await registerAndLogin(t);
    await t.redis.pexpire(`session:${hashToken(token)}`, 1);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const res = await t.http.get('/auth/session').set(bearer(token)).expect(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(res.body).toMatchObject({ status: 401, detail: 'The session has expired or was ended.' });
  });

  it('logs out idempotently and never resurrects the session under concurrent use', async () => {
    const { token } = await registerAndLogin(t);
    // supertest sends nothing until .then(): start the traffic now, so that it races the logout.
    const traffic = Array.from({ length: 20 }, () => t.http.get('/auth/session').set(bearer(token)).then((r) => r.status));
    const logout = await t.http.post('/auth/logout').set(bearer(token));
    expect(logout.status).toBe(204);
    expect(logout.headers['set-cookie']?.[0]).toMatch(/^xwing_session=;/);
    const statuses = await Promise.all(traffic);
    expect(statuses.every((status) => status === 200 || status === 401)).toBe(true);
    expect(await t.redis.exists(`session:${hashToken(token)}`)).toBe(0);
    await t.http.get('/auth/session').set(bearer(token)).expect(401);
    await t.http.post('/auth/logout').set(bearer(token)).expect(204);
    const anonymous = await t.http.post('/auth/logout').expect(401);
    expect(anonymous.headers['www-authenticate']).toBe('Bearer realm="xwing"');
  });

  it('ends the cookie session and the bearer session when a logout sends both', async () => {
    const browser = await registerAndLogin(t);
    const api = await registerAndLogin(t);
    await t.http.post('/auth/logout').set(bearer(api.token)).set('Cookie', `xwing_session=${browser.token}`).expect(204);
    await t.http.get('/auth/session').set('Cookie', `xwing_session=${browser.token}`).expect(401);
    await t.http.get('/auth/session').set(bearer(api.token)).expect(401);
    expect(await t.redis.exists(`session:${hashToken(browser.token)}`, `session:${hashToken(api.token)}`)).toBe(0);
  });

  it('refuses bad credentials with the same answer for unknown users and wrong passwords', async () => {
    const { username } = await registerAndLogin(t);
    const wrong = await t.http.post('/auth/login').send({ username, password: 'not the password' }).expect(401);
    const unknown = await t.http.post('/auth/login').send({ username: 'nobody-here', password: 'not the password' }).expect(401);
    expect(wrong.body).toEqual({ ...unknown.body, instance: '/auth/login' });
    expect(wrong.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(wrong.headers['www-authenticate']).toBe('Bearer realm="xwing"');
  });

  it('answers 409 for a taken username and 400 for invalid input', async () => {
    const { username } = await registerAndLogin(t);
    await t.http.post('/auth/register').send({ username, password: 'another password' }).expect(409);
    const invalid = await t.http.post('/auth/register').send({ username: 'A!', password: 'short' }).expect(400);
    expect(new Set((invalid.body as { errors: { field: string }[] }).errors.map((e) => e.field))).toEqual(new Set(['password', 'username']));
  });

  it('refuses registration when it is switched off', async () => {
    const closed = await testApp({ env: { ALLOW_REGISTRATION: 'false' } });
    try {
      const res = await closed.http.post('/auth/register').send({ username: 'newcomer', password: 'long enough' }).expect(403);
      expect(res.body).toMatchObject({ type: 'https://xwing.dev/problems/registrationDisabled' });
    } finally {
      await closed.close();
    }
  });

  it('rejects missing and malformed tokens without asking Redis, counting each reason', async () => {
    await t.http.get('/auth/session').expect(401);
    await t.http.get('/auth/session').set('Authorization', 'Bearer not-a-token').expect(401);
    await t.http.get('/auth/session').set('Authorization', 'Basic dXNlcjpwYXNz').expect(401);
    const rejected = await t.metrics.sessionsRejected.get();
    const byReason = Object.fromEntries(rejected.values.map((v) => [v.labels.reason, v.value]));
    expect(byReason.missing).toBeGreaterThanOrEqual(1);
    expect(byReason.malformed).toBeGreaterThanOrEqual(2);
  });

  it('sets the Secure cookie flag when configured', async () => {
    const secure = await testApp({ env: { COOKIE_SECURE: 'true' } });
    try {
      const { username, password } = await registerAndLogin(secure);
      const login = await secure.http.post('/auth/login').send({ username, password }).expect(200);
      expect(login.headers['set-cookie']?.[0]).toContain('; Secure');
    } finally {
      await secure.close();
    }
  });
});
