// Every endpoint once, with checks. Fast enough for every CI run.
import http from 'k6/http';
import { check, fail } from 'k6';
import { METRICS_URL } from './lib/config.js';
import { authedGet, get, login, logout, ok, post, register } from './lib/api.js';
import { sessionLost } from './lib/metrics.js';
import { thresholds, summaryTrendStats } from './lib/thresholds.js';
import { makeHandleSummary } from './lib/summary.js';
import { USER_PASSWORD, runPrefix } from './lib/users.js';

export const options = {
  scenarios: { smoke: { executor: 'shared-iterations', vus: 1, iterations: 1, maxDuration: '60s' } },
  thresholds: thresholds({ checks: ['rate==1'] }),
  summaryTrendStats,
};

const isProblem = (r) => (r.headers['Content-Type'] || '').startsWith('application/problem+json');

export default function () {
  sessionLost.add(0);
  check(get('/healthz', { name: 'GET /healthz' }), { 'healthz 200': (r) => r.status === 200 });
  check(get('/readyz', { name: 'GET /readyz' }), {
    'readyz 200': (r) => r.status === 200,
    'X-Served-By set': (r) => !!r.headers['X-Served-By'],
    'X-Request-Id set': (r) => !!r.headers['X-Request-Id'],
  });

  const username = `${runPrefix('smoke')}`;
  check(register(username, USER_PASSWORD), { 'register 201': (r) => r.status === 201 });
  check(register(username, USER_PASSWORD), { 'register again 409': (r) => r.status === 409 });
  check(post('/auth/register', { username: '', password: 1 }, { name: 'POST /auth/register (bad)', expect: ok(400) }), {
    'register invalid 400 problem+json': (r) => r.status === 400 && isProblem(r),
  });
  check(post('/auth/login', { username, password: 'wrong-password-123' }, { name: 'POST /auth/login (bad)', expect: ok(401) }), {
    'login wrong password 401': (r) => r.status === 401,
  });

  const token = login(username, USER_PASSWORD);
  if (!token) fail('login failed; the rest of the smoke test needs a session');

  check(authedGet('/auth/session', token, { name: 'GET /auth/session' }), {
    'session 200 names the user': (r) => r.status === 200 && r.json('username') === username,
  });
  const first = authedGet('/profile', token, { name: 'GET /profile' });
  check(first, {
    'profile 200': (r) => r.status === 200,
    'profile has X-Cache': (r) => r.headers['X-Cache'] === 'HIT' || r.headers['X-Cache'] === 'MISS',
    'profile has ETag': (r) => !!r.headers.Etag,
    'profile is private': (r) => /private/.test(r.headers['Cache-Control'] || ''),
  });
  check(authedGet('/profile', token, { name: 'GET /profile (cached)' }), {
    'second profile is a cache HIT': (r) => r.status === 200 && r.headers['X-Cache'] === 'HIT',
  });
  check(
    authedGet('/profile', token, {
      name: 'GET /profile (If-None-Match)',
      headers: { 'If-None-Match': first.headers.Etag || '"none"' },
      expect: ok(304),
    }),
    { 'profile If-None-Match 304': (r) => r.status === 304 },
  );
  check(authedGet('/work?ms=10', token, { name: 'GET /work' }), { 'work 200': (r) => r.status === 200 });
  check(get('/work?ms=10', { name: 'GET /work (anonymous)', expect: ok(401) }), {
    'work without a token 401': (r) => r.status === 401,
  });
  check(get('/no-such-route', { name: 'GET unknown', expect: ok(404) }), {
    'unknown route 404 problem+json': (r) => r.status === 404 && isProblem(r),
  });

  logout(token);
  check(get('/auth/session', { name: 'GET /auth/session (logged out)', token, expect: ok(401) }), {
    'session after logout 401': (r) => r.status === 401,
  });

  if (METRICS_URL) {
    const m = http.get(`${METRICS_URL}/metrics`, { tags: { name: 'GET /metrics' } });
    check(m, {
      'metrics 200': (r) => r.status === 200,
      'metrics has http_request_duration_seconds': (r) => r.body.includes('http_request_duration_seconds'),
    });
  }
}

export const handleSummary = makeHandleSummary('smoke');
