import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abandonedRequest, bearer, registerAndLogin, testApp, type TestApp } from '../../test/support/harness.ts';

describe('request logs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({ env: { LOG_LEVEL: 'trace' } });
  });
  afterAll(() => t.close());

  it('write one JSON line per request with request id, route, status and duration', async () => {
    const { token } = await registerAndLogin(t);
    const before = t.logs.lines.length;
    const res = await t.http.get('/profile').set(bearer(token)).set('X-Request-Id', 'trace-me-123').expect(200);
    const lines = t.logs.lines.slice(before).filter((line) => (line.req as { id?: string } | undefined)?.id === 'trace-me-123');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'info',
      route: '/profile',
      res: { statusCode: 200 },
      req: { method: 'GET', url: '/profile' },
      responseTime: expect.any(Number),
    });
    expect(res.headers['x-request-id']).toBe('trace-me-123');
  });

  it('log a request the client gave up on as aborted', async () => {
    const { token } = await registerAndLogin(t);
    await abandonedRequest(t, '/work?ms=400', { ...bearer(token), 'X-Request-Id': 'gave-up-42' }, 100);
    const line = t.logs.lines.find((entry) => (entry.req as { id?: string } | undefined)?.id === 'gave-up-42');
    expect(line).toMatchObject({ level: 'warn', msg: 'GET /work aborted', route: '/work' });
  });

  it('never contain passwords, tokens or cookies', async () => {
    const password = 'super secret passphrase';
    const { token, username } = await registerAndLogin(t, undefined, password);
    await t.http.get('/auth/session').set(bearer(token)).expect(200);
    await t.http.get('/auth/session').set('Cookie', `xwing_session=${token}`).expect(200);
    await t.http.post('/auth/login').send({ username, password: `${password}!` }).expect(401);
    expect(t.logs.lines.filter((line) => line.route === '/auth/session').length).toBeGreaterThanOrEqual(2);
    expect(t.logs.raw).not.toContain(password);
    expect(t.logs.raw).not.toContain(token);
    expect(t.logs.raw).not.toMatch(/xwing_session=/);
  });

  it('redact secrets wherever a log call puts them', () => {
    t.logger.warn({ password: 'p4ss', token: 't0ken', body: { password: 'p4ss' }, req: { headers: { authorization: 'Bearer t0ken', cookie: 'xwing_session=t0ken' } } }, 'careless');
    const line = t.logs.lines.at(-1);
    expect(line).toMatchObject({ msg: 'careless', password: '[redacted]', token: '[redacted]', body: { password: '[redacted]' } });
    expect(line?.req).toEqual({ headers: { authorization: '[redacted]', cookie: '[redacted]' } });
  });

  it('log a server error without sending its details to the client', async () => {
    const broken = await testApp({
      profileLookup: async () => {
        throw new Error('database password is hunter2');
      },
    });
    try {
      const { token } = await registerAndLogin(broken);
      const res = await broken.http.get('/profile').set(bearer(token)).expect(500);
      expect(res.body).toEqual({
        type: 'https://xwing.dev/problems/internal',
        title: 'Internal server error',
        status: 500,
        instance: '/profile',
      });
      expect(JSON.stringify(res.body)).not.toContain('hunter2');
      expect(broken.logs.lines.some((line) => line.msg === 'unhandled error' && line.level === 'error')).toBe(true);
    } finally {
      await broken.close();
    }
  });
});
