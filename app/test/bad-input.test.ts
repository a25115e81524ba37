import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer } from '../src/http/server.ts';
import { registerAndLogin, testApp, type TestApp } from './support/harness.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);

/** Header values an HTTP client can actually send: visible ASCII and spaces, no control characters. */
const headerValue = fc.stringMatching(/^[\x21-\x7e][\x20-\x7e]{0,300}$/);
const token = fc.oneof(
  fc.string({ maxLength: 80 }).filter((s) => /^[\x21-\x7e]*$/.test(s)),
  fc.stringMatching(/^[A-Za-z0-9_-]{43}$/),
  fc.stringMatching(/^[A-Za-z0-9+/=_-]{1,200}$/),
);

function expectClientProblem(res: { status: number; headers: Record<string, string>; body: unknown }, allowed: number[] = []): void {
  if (allowed.includes(res.status)) return;
  expect(res.status, JSON.stringify(res.body)).toBeGreaterThanOrEqual(400);
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(500);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status: res.status, type: expect.stringMatching(/^https:\/\/xwing\.dev\/problems\//) });
}

describe('bad input gets a clear 4xx, never a 500 and never a hang', () => {
  let t: TestApp;
  let valid: string;
  let cases = 0;
  beforeAll(async () => {
    t = await testApp({ env: { RATE_LIMIT_MAX: '1000000', LOGIN_RATE_LIMIT_MAX: '1000000', PASSWORD_RATE_LIMIT_MAX: '1000000', WORK_MAX_MS: '5' } });
    valid = (await registerAndLogin(t)).token;
  });
  afterAll(async () => {
    console.info(`bad-input property cases run: ${cases}`);
    await t.close();
  });

  it('survives arbitrary JSON bodies on register and login', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/auth/register', '/auth/login'), fc.jsonValue({ maxDepth: 6 }), async (path, body) => {
        cases += 1;
        const res = await t.http.post(path).set('Content-Type', 'application/json').send(JSON.stringify(body));
        expectClientProblem(res, path === '/auth/register' ? [201] : []);
      }),
      { numRuns: RUNS },
    );
  });

  it('survives arbitrary raw bodies and content types', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/auth/register', '/auth/login', '/auth/logout'),
        fc.string({ maxLength: 400 }),
        fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'application/octet-stream'),
        async (path, body, type) => {
          cases += 1;
          const res = await t.http.post(path).set('Content-Type', type).send(body);
          expectClientProblem(res);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('survives arbitrary tokens, cookies and request ids on every authenticated route', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/auth/session', '/profile', '/work?ms=1'),
        token,
        fc.constantFrom('bearer', 'cookie', 'raw'),
        headerValue,
        async (path, value, carrier, requestId) => {
          cases += 1;
          const req = t.http.get(path).set('X-Request-Id', requestId);
          if (carrier === 'bearer') req.set('Authorization', `Bearer ${value}`);
          else if (carrier === 'cookie') req.set('Cookie', `xwing_session=${value}`);
          else req.set('Authorization', value);
          const res = await req;
          expectClientProblem(res);
          expect(res.headers['x-request-id']).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('survives arbitrary query strings on /work', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 60 }), async (query) => {
        cases += 1;
        const res = await t.http.get(`/work?${encodeURI(query)}`).set('Authorization', `Bearer ${valid}`);
        expectClientProblem(res, [200]);
      }),
      { numRuns: RUNS },
    );
    for (const ms of ['0', '-1', '6', '1e3', '0x10', '', 'abc', '1.5', '99999999999']) {
      await t.http.get(`/work?ms=${ms}`).set('Authorization', `Bearer ${valid}`).expect(400);
    }
    await t.http.get('/work?ms=1&ms=2').set('Authorization', `Bearer ${valid}`).expect(400);
  });

  it('refuses malformed JSON, bodies over 1 MB and deeply nested JSON with 4xx', async () => {
    const malformed = await t.http.post('/auth/login').set('Content-Type', 'application/json').send('{"username":');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ detail: 'The body is not valid JSON.' });
    const big = await t.http
      .post('/auth/login')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ username: 'x'.repeat(1_100_000), password: 'y' }));
    expect(big.status).toBe(413);
    const deep = await t.http.post('/auth/login').set('Content-Type', 'application/json').send('['.repeat(200_000) + ']'.repeat(200_000));
    expect(deep.status).toBe(400);
    const wrongTypes = await t.http.post('/auth/register').send({ username: 42, password: ['x'] });
    expect(wrongTypes.status).toBe(400);
  });

  it('answers an unknown route with a 404 problem, and a known route with another method 405', async () => {
    const res = await t.http.delete('/no/such/route').expect(404);
    expect(res.body).toMatchObject({ title: 'Not found', status: 404 });
    const wrongMethod = await t.http.delete('/profile').expect(405);
    expect(wrongMethod.body).toMatchObject({ title: 'Method not allowed', status: 405 });
  });
});

describe('requests the HTTP parser refuses', () => {
  it('get a problem+json answer for oversized headers and garbage', async () => {
    const t = await testApp();
    const server = createHttpServer(t.app, {
      KEEP_ALIVE_TIMEOUT_MS: 5000,
      HEADERS_TIMEOUT_MS: 2000,
      REQUEST_TIMEOUT_MS: 3000,
      MAX_REQUESTS_PER_SOCKET: 100,
    }, 'parser-pod');
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const raw = (payload: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.end(payload));
        let data = '';
        socket.on('data', (chunk) => (data += chunk.toString()));
        socket.on('close', () => resolve(data));
        socket.on('error', reject);
      });
    try {
      const huge = await raw(`GET /auth/session HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${'a'.repeat(20_000)}\r\n\r\n`);
      expect(huge).toMatch(/^HTTP\/1\.1 431 /);
      expect(huge).toContain('"type":"https://xwing.dev/problems/headersTooLarge"');
      expect(huge).toContain('\r\nX-Served-By: parser-pod\r\n');
      expect(huge).toMatch(/\r\nX-Request-Id: [0-9a-f-]{36}\r\n/);
      const garbage = await raw('NOT HTTP AT ALL\r\n\r\n');
      expect(garbage).toMatch(/^HTTP\/1\.1 400 /);
      expect(garbage).toContain('application/problem+json');
    } finally {
      server.close();
      await t.close();
    }
  });
});
