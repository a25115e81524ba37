import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, registerAndLogin, testApp, type TestApp } from '../../test/support/harness.ts';

/** Every path the app serves, what it answers, and a request to it that succeeds. */
const PATHS = [
  { path: '/auth/register', allow: 'OPTIONS, POST' },
  { path: '/auth/login', allow: 'OPTIONS, POST' },
  { path: '/auth/logout', allow: 'OPTIONS, POST' },
  { path: '/auth/session', allow: 'GET, HEAD, OPTIONS' },
  { path: '/profile', allow: 'GET, HEAD, OPTIONS' },
  { path: '/work', allow: 'GET, HEAD, OPTIONS' },
  { path: '/openapi.json', allow: 'GET, HEAD, OPTIONS' },
];
const READABLE = ['/auth/session', '/profile', '/work?ms=1', '/openapi.json'];

describe('HTTP semantics', () => {
  let t: TestApp;
  let token: string;
  beforeAll(async () => {
    t = await testApp();
    ({ token } = await registerAndLogin(t));
  });
  afterAll(() => t.close());

  it('answers a known path with a method it does not serve 405, problem+json and Allow', async () => {
    for (const { path, allow } of PATHS) {
      const wrong = allow.includes('POST') ? 'GET' : 'DELETE';
      const res = await t.http[wrong === 'GET' ? 'get' : 'delete'](path).set(bearer(token)).expect(405);
      expect(res.headers.allow).toBe(allow);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ type: 'https://xwing.dev/problems/methodNotAllowed', status: 405, instance: path });
    }
    const odd = await t.http.put('/PROFILE/').expect(405);
    expect(odd.headers.allow).toBe('GET, HEAD, OPTIONS');
    const unknown = await t.http.delete('/no/such/path').expect(404);
    expect(unknown.headers).not.toHaveProperty('allow');
  });

  it('answers OPTIONS with 204 and Allow on every known path, 404 elsewhere', async () => {
    for (const { path, allow } of PATHS) {
      const res = await t.http.options(path).expect(204);
      expect(res.headers.allow).toBe(allow);
      expect(res.text).toBe('');
    }
    await t.http.options('/no/such/path').expect(404);
  });

  it('answers HEAD wherever GET works: the same status and headers, no body', async () => {
    for (const path of READABLE) {
      const get = await t.http.get(path).set(bearer(token)).expect(200);
      const head = await t.http.head(path).set(bearer(token)).expect(200);
      expect(head.text).toBeFalsy();
      expect(head.headers['content-type']).toBe(get.headers['content-type']);
      for (const name of ['etag', 'cache-control', 'x-served-by', 'ratelimit-limit']) expect(head.headers[name]).toBe(get.headers[name]);
    }
    await t.http.head('/auth/session').expect(401);
  });

  it('answers an If-None-Match that names the ETag 304, also with Cache-Control: no-cache, in every form', async () => {
    const first = await t.http.get('/profile').set(bearer(token)).expect(200);
    const etag = first.headers.etag!;
    for (const field of [etag, `W/${etag}`, `"older", ${etag}`, '*']) {
      const res = await t.http.get('/profile').set(bearer(token)).set('If-None-Match', field).set('Cache-Control', 'no-cache').expect(304);
      expect(res.headers).toMatchObject({ etag, 'cache-control': 'private, no-cache', vary: 'Authorization, Cookie' });
    }
    await t.http.get('/profile').set(bearer(token)).set('If-None-Match', '"older", W/"other"').set('Cache-Control', 'no-cache').expect(200);
    await t.http.head('/profile').set(bearer(token)).set('If-None-Match', etag).expect(304);
  });

  it("gets a 304 through fetch(), which adds Cache-Control: no-cache to a request with If-None-Match", async () => {
    const server = t.app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/profile`;
      const first = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      await first.body?.cancel();
      const etag = first.headers.get('etag')!;
      const again = await fetch(url, { headers: { authorization: `Bearer ${token}`, 'if-none-match': etag } });
      expect(again.status).toBe(304);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
